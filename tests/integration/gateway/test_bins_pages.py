"""The resident pages of the bins journey, as a browser without JavaScript
would use them, with the bins service faked in memory."""
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests

from tests.integration.gateway.fake_bins import STILL_WORKING, UPRN
from tests.support.pages import assert_no_escaped_markup, csrf


class Browser:
    def __init__(self, gw):
        self.gw = gw
        self.session = requests.Session()
        self.page = None

    def get(self, path):
        self.page = self.session.get(self.gw.url + path, timeout=10)
        assert_no_escaped_markup(self.page.text)
        return self.page

    def submit(self, action, **data):
        """Posts the form of the current page, following redirects."""
        data["csrf_token"] = csrf(self.page.text)
        submission = re.search(r'name="submission" value="([^"]+)"', self.page.text)
        if submission:
            data["submission"] = submission.group(1)
        self.page = self.session.post(self.gw.url + action, data=data, timeout=10)
        assert_no_escaped_markup(self.page.text)
        return self.page


def assert_error_pattern(html, field, message):
    assert "<title>Error: " in html
    summary = html[html.index("govuk-error-summary"):]
    assert f'href="#{field}"' in summary and message in unescape(summary)
    assert f'id="{field}-error"' in html
    assert "govuk-error-message" in html


def test_home_links_lead_to_the_bins_pages(bins):
    browser = Browser(bins)
    home = browser.get("/").text
    for href in ("/bins", "/bins/missed"):
        assert f'href="{href}"' in home
        assert browser.get(href).status_code == 200


def test_find_bin_days(bins):
    browser = Browser(bins)
    browser.get("/bins")
    assert "Find out your bin collection days" in browser.page.text
    choose = browser.submit("/bins", postcode="sw1a 1aa")
    assert choose.status_code == 200
    assert choose.url.endswith("/bins/address?postcode=SW1A+1AA")
    assert "1 Test Street, London, SW1A 1AA" in choose.text
    days = browser.submit("/bins/address", postcode="SW1A 1AA", uprn=UPRN)
    assert days.url.endswith(f"/bins/property/{UPRN}")
    html = unescape(days.text)
    assert "Your bin collection days" in html
    assert "Monday 30 November 2026" in html
    assert ("Tuesday 8 December 2026 (moved from Monday 7 December 2026 because of a "
            "bank holiday)") in html
    assert "Last collection" in html and "The crew finished this round" in html
    assert "The crew are still working on this round" in html
    assert "The crew recorded that your bin was not out for collection." in html
    assert f'href="/api/v1/bins/properties/{UPRN}/calendar.ics"' in html
    assert f"webcal://127.0.0.1:{bins.port}/api/v1/bins/properties/{UPRN}/calendar.ics" in html
    assert "Download or subscribe to the calendar" in html


@pytest.mark.parametrize("form, action, fields, field, message", [
    ("/bins", "/bins", {"postcode": ""}, "postcode", "Enter a postcode"),
    ("/bins/address?postcode=SW1A1AA", "/bins/address", {"postcode": "SW1A 1AA"},
     "uprn", "Select your address"),
], ids=["empty postcode", "no address chosen"])
def test_a_form_left_incomplete_shows_the_error_summary(bins, form, action, fields, field,
                                                       message):
    browser = Browser(bins)
    browser.get(form)
    page = browser.submit(action, **fields)
    assert page.status_code == 400
    assert_error_pattern(page.text, field, message)


def test_an_unknown_postcode_says_so(bins):
    page = Browser(bins).get("/bins/address?postcode=E1%206AN")
    assert page.status_code == 200
    assert "We could not find any addresses at E1 6AN" in page.text


def test_report_a_missed_bin_and_track_it(bins, bins_state):
    browser = Browser(bins)
    browser.get("/bins/missed")
    browser.submit("/bins/missed", postcode="SW1A 1AA")
    choose = browser.submit("/bins/missed/address", postcode="SW1A 1AA", uprn=UPRN)
    assert choose.url.endswith(f"/bins/missed/property/{UPRN}")
    assert "Which bin was not collected?" in choose.text
    done = browser.submit(f"/bins/missed/property/{UPRN}", service="refuse")
    assert done.status_code == 200
    assert "/bins/missed/confirmation/MB-" in done.url
    html = unescape(done.text)
    assert "govuk-panel" in html and "Missed collection reported" in html
    report = next(iter(bins_state.reports.values()))
    assert report["reference"] in html and report["secret"] in html
    assert report["channel"] == "web"
    track = re.search(r'id="track-link" href="([^"]+)"', done.text).group(1)
    status = browser.get(unescape(track))
    assert status.status_code == 200
    assert "Your missed bin report" in status.text and "Open" in status.text

    browser.get("/bins/track")
    by_form = browser.submit("/bins/track", reference=report["reference"].lower(),
                             secret=report["secret"])
    assert by_form.status_code == 200 and report["reference"] in by_form.text


def test_a_refusal_is_shown_as_an_error_message(bins):
    browser = Browser(bins)
    browser.get(f"/bins/missed/property/{UPRN}")
    page = browser.submit(f"/bins/missed/property/{UPRN}", service="garden")
    assert page.status_code == 422
    assert_error_pattern(page.text, "service", STILL_WORKING)
    # the choice is kept
    assert re.search(r'value="garden" checked', page.text)


def test_no_bin_chosen_shows_the_error_summary(bins):
    browser = Browser(bins)
    browser.get(f"/bins/missed/property/{UPRN}")
    page = browser.submit(f"/bins/missed/property/{UPRN}")
    assert page.status_code == 400
    assert_error_pattern(page.text, "service", "Select which bin was not collected")


def test_a_double_click_files_one_report(bins, bins_state):
    browser = Browser(bins)
    form = browser.get(f"/bins/missed/property/{UPRN}")
    assert "data-prevent-double-click" in form.text
    first = browser.submit(f"/bins/missed/property/{UPRN}", service="refuse")
    browser.page = form
    second = browser.submit(f"/bins/missed/property/{UPRN}", service="refuse")
    # the second click lands on the same confirmation, tracking code and all
    assert "/confirmation/" in first.url and second.url == first.url
    keys = {c["idempotency_key"] for c in bins_state.calls if c["method"] == "file_report"}
    assert len(keys) == 1 and len(bins_state.reports) == 1


def test_reporting_again_says_it_is_already_reported(bins):
    browser = Browser(bins)
    browser.get(f"/bins/missed/property/{UPRN}")
    browser.submit(f"/bins/missed/property/{UPRN}", service="refuse")
    browser.get(f"/bins/missed/property/{UPRN}")
    again = browser.submit(f"/bins/missed/property/{UPRN}", service="refuse")
    assert again.status_code == 200
    assert "This collection has already been reported" in again.text


def test_tracking_with_a_wrong_code_or_nothing(bins):
    browser = Browser(bins)
    browser.get("/bins/track")
    empty = browser.submit("/bins/track", reference="", secret="")
    assert empty.status_code == 400
    assert_error_pattern(empty.text, "reference", "Enter your reference")
    assert_error_pattern(empty.text, "secret", "Enter your tracking code")
    wrong = browser.submit("/bins/track", reference="MB-2222-10", secret="nope")
    assert wrong.status_code == 404
    assert_error_pattern(wrong.text, "reference", "No report matches that reference")
    link = browser.get("/bins/track/MB-2222-10?secret=nope")
    assert link.status_code == 404 and "No report matches" in link.text


def test_forms_without_a_csrf_token_are_refused(bins, bins_state):
    session = requests.Session()
    session.get(bins.url + "/bins/missed")
    response = session.post(f"{bins.url}/bins/missed/property/{UPRN}",
                            data={"service": "refuse"})
    assert response.status_code == 403
    assert not bins_state.reports


def test_confirmation_needs_the_secret(bins):
    browser = Browser(bins)
    browser.get(f"/bins/missed/property/{UPRN}")
    done = browser.submit(f"/bins/missed/property/{UPRN}", service="refuse")
    # the tracking code is not in the address bar (so not in history) ...
    assert "secret" not in done.url
    path = urlsplit(done.url).path
    assert path.startswith("/bins/missed/confirmation/MB-")
    # ... it came in a short-lived cookie, so another browser sees nothing
    assert Browser(bins).get(path).status_code == 404
    assert browser.get(path).status_code == 200
