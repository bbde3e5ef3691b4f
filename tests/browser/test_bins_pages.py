"""The bins pages in headless Chromium, against a real gateway and the real
bins service: find bin days, report a missed bin, see the confirmation,
track it; and the error summary for a form sent empty. The browser steps
are in scenarios.py (see conftest.py for why)."""
from tests.support.bins_stack import reportable


def test_find_bin_days(browse, journey_stack, journey_db):
    target = reportable(journey_stack, journey_db, wanted=1)[0]
    browse("find_bin_days", journey_stack.base_url, postcode=target["postcode"],
           uprn=target["uprn"])


def test_an_empty_form_shows_the_error_summary(browse, journey_stack):
    browse("empty_form_error_summary", journey_stack.base_url)


def test_report_a_missed_bin_and_track_it(browse, journey_stack, journey_db):
    target = reportable(journey_stack, journey_db, wanted=1)[0]
    result = browse("report_and_track", journey_stack.base_url, postcode=target["postcode"],
                    uprn=target["uprn"], service=target["service"])
    assert result["reference"].startswith("MB-")


def test_tracking_with_a_wrong_code_is_an_error_message(browse, journey_stack):
    browse("wrong_tracking_code", journey_stack.base_url)
