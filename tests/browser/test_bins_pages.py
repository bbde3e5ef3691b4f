"""The bins pages in headless Chromium, against a real gateway and the real
bins service: find bin days, report a missed bin, see the confirmation,
track it; and the error summary for a form sent empty. The browser steps
are in scenarios.py (see conftest.py for why)."""
# the stack and borough of the end-to-end bins tests
from tests.e2e.test_bins_journey import bins_db, reportable, stack  # noqa: F401


def test_find_bin_days(browse, stack, bins_db):  # noqa: F811
    target = reportable(stack, bins_db, wanted=1)[0]
    browse("find_bin_days", stack.base_url, postcode=target["postcode"],
           uprn=target["uprn"])


def test_an_empty_form_shows_the_error_summary(browse, stack):  # noqa: F811
    browse("empty_form_error_summary", stack.base_url)


def test_report_a_missed_bin_and_track_it(browse, stack, bins_db):  # noqa: F811
    target = reportable(stack, bins_db, wanted=1)[0]
    result = browse("report_and_track", stack.base_url, postcode=target["postcode"],
                    uprn=target["uprn"], service=target["service"])
    assert result["reference"].startswith("MB-")


def test_tracking_with_a_wrong_code_is_an_error_message(browse, stack):  # noqa: F811
    browse("wrong_tracking_code", stack.base_url)
