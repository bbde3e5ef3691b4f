"""The caseworkers' housing pages as a browser without JavaScript uses them,
against the real housing service in a Stack: who may see them, the queue and
its filters, a case's answers and outcome, and the forms (assign, take over,
notes, the plan, closing) with Post/Redirect/Get and CSRF."""
import datetime as dt
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests
from marshmallow import ValidationError

from gateway.staff import forms as staff_forms
from gateway.staff import words as staff_words
from services.housing.domain import cases as case_rules
from tests.support.housing_stack import (advice_answers, call, emergency_answers,
                                         file_case, renter_answers)
from tests.support.pages import csrf

QUEUE = "/staff/housing"
# who signs in: (sub, roles) for the stack's bearer()
ALICE = ("cw-alice", ["caseworker"])
BOB = ("cw-bob", ["caseworker"])
SUPERVISOR = ("sup-sam", ["supervisor"])
CREW = ("crew-7", ["crew"])


def text_of(html):
    """The page's words, tags and extra spaces left out."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def assert_html_error_page(response, status):
    assert response.status_code == status, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.lstrip().lower().startswith("<!doctype html")
    assert '"error"' not in response.text and "Traceback" not in response.text
    assert 'class="govuk-heading-l"' in response.text


class Caseworker:
    """A browser behind the council's sign-in proxy: every request carries
    the caseworker's bearer token, and cookies are kept."""

    def __init__(self, stack, who):
        self.stack = stack
        self.session = requests.Session()
        self.session.headers.update(stack.bearer(*who))
        self.page = None

    def get(self, path, **kwargs):
        self.page = self.session.get(self.stack.base_url + path, timeout=10, **kwargs)
        return self.page

    def post(self, path, data=(), with_csrf=True):
        """Sends a form of the current page without following the redirect."""
        pairs = ([("csrf_token", csrf(self.page.text))] if with_csrf else []) + list(data)
        return self.session.post(self.stack.base_url + path, data=pairs, timeout=10,
                                 allow_redirects=False)

    def submit(self, path, data=()):
        """Posts, and follows a redirect back as a browser would."""
        sent = self.post(path, data)
        if sent.status_code == 303:
            # back to the case page the form was on
            case_path = re.match(r"^/staff/housing/cases/[^/]+", path).group(0)
            assert urlsplit(sent.headers["Location"]).path == case_path
            return sent, self.get(case_path)
        self.page = sent
        return sent, sent

    @property
    def path(self):
        return urlsplit(self.page.url).path

    @property
    def text(self):
        return text_of(self.page.text)


@pytest.fixture(scope="module")
def filed(housing_stack):
    """An advice case, a renter's (standard) case and an emergency, by
    reference, with their case ids."""
    filed = {}
    for name, answers in (("advice", advice_answers()), ("renter", renter_answers()),
                          ("emergency", emergency_answers())):
        _, sent = file_case(housing_stack, answers)
        filed[name] = {"reference": sent["reference"]}
    listed = call(housing_stack, "GET", "/api/v1/housing/staff/queue",
                  headers=housing_stack.bearer(*ALICE),
                  params={"limit": 100}).json()["cases"]
    for case in filed.values():
        case["id"] = next(c["case_id"] for c in listed if c["reference"] == case["reference"])
        case["path"] = f"/staff/housing/cases/{case['id']}"
    return filed


def queue_rows(html):
    """{reference: the row's HTML} from the queue table."""
    rows = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S):
        found = re.search(r"HL-[0-9A-Z]{4}-[0-9]{2}", row)
        if found:
            rows[found.group(0)] = row
    return rows


def test_the_pages_need_a_caseworker(housing_stack, filed):
    case_path = filed["advice"]["path"]
    for method, path in (("GET", QUEUE), ("GET", case_path),
                         ("POST", case_path + "/assign"), ("POST", case_path + "/notes")):
        anonymous = call(housing_stack, method, path)
        assert_html_error_page(anonymous, 401)
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Sign in" in text_of(anonymous.text)
        crew = call(housing_stack, method, path, headers=housing_stack.bearer(*CREW))
        assert_html_error_page(crew, 403)
        assert "does not have the role" in text_of(crew.text)
    expired = call(housing_stack, "GET", QUEUE,
                   headers={"Authorization": "Bearer not-a-token"})
    assert_html_error_page(expired, 401)
    # the supervisor works the queue too
    assert call(housing_stack, "GET", QUEUE,
                headers=housing_stack.bearer(*SUPERVISOR)).status_code == 200
    # and nothing public links to it
    for public in ("/", "/housing"):
        assert "/staff/housing" not in call(housing_stack, "GET", public).text


def test_the_queue_lists_cases_most_urgent_first(housing_stack, filed):
    alice = Caseworker(housing_stack, ALICE)
    page = alice.get(QUEUE)
    assert page.status_code == 200
    assert "Housing cases" in alice.text and "Showing 1 to 3 of 3 cases" in alice.text
    rows = queue_rows(page.text)
    emergency = filed["emergency"]
    assert list(rows)[0] == emergency["reference"]
    row = rows[emergency["reference"]]
    assert f'href="{emergency["path"]}"' in row
    assert re.search(r'govuk-tag govuk-tag--red[^"]*">\s*Emergency', row)
    assert re.search(r'govuk-tag--blue[^"]*">\s*Standard', rows[filed["renter"]["reference"]])
    assert re.search(r'govuk-tag--grey[^"]*">\s*Advice', rows[filed["advice"]["reference"]])
    assert "Relief" in row and "Nobody" in row and "Not assigned" in row
    # respond by in words: an emergency is due today, so not overdue yet
    assert re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) "
                     r"\d{1,2} [A-Z][a-z]+ \d{4}", row)
    assert "Overdue" not in row


def test_the_queue_filters(housing_stack, filed):
    alice = Caseworker(housing_stack, ALICE)
    advice = alice.get(QUEUE, params={"urgency": "advice", "duty": "", "status": "open"})
    assert list(queue_rows(advice.text)) == [filed["advice"]["reference"]]
    assert "1 case" in alice.text
    assert re.search(r'<option value="advice" selected>', advice.text)

    prevention = alice.get(QUEUE, params={"duty": "prevention"})
    assert list(queue_rows(prevention.text)) == [filed["renter"]["reference"]]

    closed = alice.get(QUEUE, params={"status": "closed"})
    assert queue_rows(closed.text) == {} and "No cases match these filters" in alice.text

    bad = alice.get(QUEUE, params={"urgency": "now", "page": "x", "utm": "ignored"})
    assert bad.status_code == 400
    assert "<title>Error: " in bad.text and "govuk-error-summary" in bad.text
    assert "Choose an urgency from the list" in alice.text
    # what will not do is left out: the page still lists the open cases
    assert len(queue_rows(bad.text)) == 3

    # a page beyond the last says so, and links back to the first
    beyond = alice.get(QUEUE, params={"page": "5", "urgency": "emergency"})
    assert beyond.status_code == 200 and queue_rows(beyond.text) == {}
    assert "There are no cases on this page" in alice.text
    assert 'href="/staff/housing?urgency=emergency">Go to the first page' in beyond.text


def test_the_case_page_shows_the_answers_and_the_outcome(housing_stack, filed):
    alice = Caseworker(housing_stack, ALICE)
    page = alice.get(filed["emergency"]["path"])
    assert page.status_code == 200, page.text[:500]
    text = alice.text
    assert filed["emergency"]["reference"] in text
    assert f"<title>Housing case {filed['emergency']['reference']}" in page.text
    # the outcome, in words
    assert "Relief duty" in text and "Domestic abuse" in text and "Dependent children" in text
    assert "Reason to believe Yes" in text
    assert re.search(r'govuk-tag--red[^"]*">\s*Emergency', page.text)
    # the answers: each question's summary, and option labels, not codes
    assert "Where they will sleep tonight I have nowhere to stay tonight" in text
    assert "Weekday mornings. No voicemail." in text
    assert "nowhere_to" not in text and ">nowhere<" not in page.text
    # the legal clocks, and the forms
    assert "Emergency not picked up" in text
    assert "Assign to me" in text and "Add a note" in text and "Close case" in text
    assert "Homelessness prevented" in text and "Referred to another council" in text


def test_the_reason_for_looking_is_recorded(housing_stack, filed):
    alice = Caseworker(housing_stack, ALICE)
    page = alice.get(filed["advice"]["path"], params={"reason": "Duty desk check"})
    assert page.status_code == 200
    assert "Your reason for looking at this case is recorded: Duty desk check" in alice.text
    audit = call(housing_stack, "GET", "/api/v1/housing/staff/audit",
                 headers=housing_stack.bearer(*SUPERVISOR),
                 params={"case_id": filed["advice"]["id"]}).json()["entries"]
    assert any(e["action"] == "view_case" and e["reason"] == "Duty desk check"
               and e["staff_id"] == "cw-alice" for e in audit)
    too_long = alice.get(filed["advice"]["path"], params={"reason": "x" * 501})
    assert_html_error_page(too_long, 400)


def test_unknown_and_malformed_cases_are_not_found(housing_stack, filed):
    for path in ("/staff/housing/cases/42",
                 "/staff/housing/cases/4a7d1ed4-1b2c-4e5f-8a9b-0c1d2e3f4a5b"):
        assert_html_error_page(
            call(housing_stack, "GET", path, headers=housing_stack.bearer(*ALICE)), 404)


def test_assign_take_over_note_plan_and_close(housing_stack, filed):
    case = filed["renter"]
    alice = Caseworker(housing_stack, ALICE)
    alice.get(case["path"])
    assert "Nobody is working on this case yet" in alice.text

    sent, page = alice.submit(case["path"] + "/assign")
    assert sent.status_code == 303 and sent.headers["Location"].endswith(case["path"])
    assert 'govuk-notification-banner--success' in page.text
    assert f"Case {case['reference']} is assigned to you" in alice.text
    assert "This case is assigned to you." in alice.text
    # the banner shows once, not on a reload
    assert "govuk-notification-banner" not in alice.get(case["path"]).text
    mine = alice.get(QUEUE, params={"status": "mine"})
    assert list(queue_rows(mine.text)) == [case["reference"]]

    # a second caseworker is warned before taking it over
    bob = Caseworker(housing_stack, BOB)
    bob.get(case["path"])
    assert "This case is assigned to cw-alice. If you take it over" in bob.text
    assert re.search(r"govuk-button--warning[^>]*>\s*Take over from cw-alice", bob.page.text)
    # a stale page's "Assign to me" does not take it silently
    stale, _ = bob.submit(case["path"] + "/assign")
    assert stale.status_code == 409
    assert "govuk-error-summary" in stale.text and 'href="#assign"' in stale.text
    assert "Another caseworker has this case" in text_of(stale.text)
    taken, page = bob.submit(case["path"] + "/assign", [("take_over", "yes")])
    assert taken.status_code == 303
    assert f"You have taken over case {case['reference']}" in bob.text
    assert "This case is assigned to you." in bob.text

    # notes: an empty one is refused with the error summary
    empty, _ = bob.submit(case["path"] + "/notes", [("text", "   ")])
    assert empty.status_code == 400 and "<title>Error: " in empty.text
    assert 'href="#note-text">Enter the note' in empty.text
    assert 'id="note-text-error"' in empty.text
    noted, page = bob.submit(case["path"] + "/notes",
                             [("text", "Spoke to the landlord.\r\nThey will wait.")])
    assert noted.status_code == 303 and "Note added" in bob.text
    assert "Spoke to the landlord.<br>They will wait." in page.text and "cw-bob" in bob.text

    # the plan: a step with a due date, one that will not do, then done
    bad, _ = bob.submit(case["path"] + "/plan", [
        ("party", "landlord"), ("text", ""), ("due-day", "31"), ("due-month", "2"),
        ("due-year", "2027")])
    assert bad.status_code == 400
    summary = text_of(bad.text)
    assert "Choose who does this step" in summary and "Enter the step" in summary
    assert "The due date must be a real date" in summary
    assert 'href="#plan-due-day"' in bad.text and 'value="31"' in bad.text
    added, page = bob.submit(case["path"] + "/plan", [
        ("party", "council"), ("text", "Negotiate with the landlord"), ("due-day", "8"),
        ("due-month", "1"), ("due-year", "2027")])
    assert added.status_code == 303 and "Plan step added" in bob.text
    assert "The council Negotiate with the landlord Friday 8 January 2027" in bob.text
    step_id = re.search(r'/plan/(\d+)/complete', page.text).group(1)
    done, page = bob.submit(f"{case['path']}/plan/{step_id}/complete")
    assert done.status_code == 303 and "Plan step marked as done" in bob.text
    assert "Done:" in bob.text and f"/plan/{step_id}/complete" not in page.text

    # closing: an outcome is needed
    nothing, _ = bob.submit(case["path"] + "/close", [("note", "Sorted")])
    assert nothing.status_code == 400
    assert 'href="#close-outcome">Choose how the case ended' in nothing.text
    assert "Sorted" in nothing.text  # what was typed is kept
    closed, page = bob.submit(case["path"] + "/close", [
        ("outcome", "homelessness_prevented"), ("note", "Tenancy saved")])
    assert closed.status_code == 303
    assert "Case closed: Homelessness prevented" in bob.text
    assert "Outcome Homelessness prevented" in bob.text and "Tenancy saved" in bob.text
    assert "Close case" not in bob.text and "Assign to me" not in bob.text
    listed = bob.get(QUEUE, params={"status": "closed"})
    assert list(queue_rows(listed.text)) == [case["reference"]]

    # the JSON API agrees
    detail = call(housing_stack, "GET", f"/api/v1/housing/staff/cases/{case['id']}",
                  headers=housing_stack.bearer(*SUPERVISOR)).json()
    assert detail["status"] == "closed" and detail["closed_outcome"] == "homelessness_prevented"
    assert detail["assigned_to"] == "cw-bob"
    assert [n["text"] for n in detail["notes"]] == [
        "Spoke to the landlord.\r\nThey will wait.", "Tenancy saved"]


def test_forms_without_a_csrf_token_are_refused(housing_stack, filed):
    case = filed["advice"]
    alice = Caseworker(housing_stack, ALICE)
    alice.get(case["path"])
    for path, data in (("/notes", [("text", "Not sent")]), ("/assign", []),
                       ("/close", [("outcome", "advice_given")])):
        refused = alice.post(case["path"] + path, data, with_csrf=False)
        assert_html_error_page(refused, 403)
        assert "Your form could not be sent" in text_of(refused.text)
    # nor does a token from another browser do
    other = Caseworker(housing_stack, ALICE)
    other.get(case["path"])
    forged = requests.post(housing_stack.base_url + case["path"] + "/notes",
                           headers=housing_stack.bearer(*ALICE),
                           data={"csrf_token": csrf(other.page.text), "text": "Not sent"},
                           timeout=10, allow_redirects=False)
    assert forged.status_code == 403
    detail = call(housing_stack, "GET", f"/api/v1/housing/staff/cases/{case['id']}",
                  headers=housing_stack.bearer(*ALICE)).json()
    assert detail["notes"] == [] and detail["assigned_to"] is None
    assert detail["status"] == "open"


def test_the_close_outcomes_are_the_services():
    assert list(staff_words.STAFF_CLOSE_OUTCOMES.items()) == list(
        case_rules.CLOSE_OUTCOMES.items())


def test_the_queue_pages_through_the_cases(housing_stack, filed):
    # last in the module: it files many more cases
    for _ in range(staff_words.STAFF_PAGE_SIZE):
        file_case(housing_stack, advice_answers())
    alice = Caseworker(housing_stack, ALICE)
    first = alice.get(QUEUE, params={"urgency": "advice"})
    size = staff_words.STAFF_PAGE_SIZE
    assert len(queue_rows(first.text)) == size
    assert f"Showing 1 to {size} of {size + 1} cases" in alice.text
    assert 'class="govuk-pagination' in first.text
    assert 'href="/staff/housing?urgency=advice&amp;page=2" rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    second = alice.get(QUEUE, params={"urgency": "advice", "page": "2"})
    assert len(queue_rows(second.text)) == 1
    assert f"Showing {size + 1} to {size + 1} of {size + 1} cases" in alice.text
    assert 'href="/staff/housing?urgency=advice" rel="prev"' in second.text
    assert 'rel="next"' not in second.text


def test_due_dates_and_times_in_council_time():
    assert staff_words.staff_time("2026-07-04T08:15:00+00:00") == \
        "9:15am on Saturday 4 July 2026"
    assert staff_words.staff_time("2026-12-04T15:00:00+00:00") == \
        "3pm on Friday 4 December 2026"
    assert staff_forms.due_date({"day": "", "month": "", "year": ""}) is None
    assert staff_forms.due_date({"day": "8", "month": "1", "year": "2027"}) == dt.date(2027, 1, 8)
    for parts, message in (
            ({"day": "8", "month": "", "year": ""},
             "The due date must include a month and a year"),
            ({"day": "8", "month": "1", "year": "27"}, "The due date must be a real date"),
            ({"day": "٨", "month": "1", "year": "2027"}, "The due date must be a real date")):
        with pytest.raises(ValidationError) as raised:
            staff_forms.due_date(parts)
        assert raised.value.messages == {"due_on": [message]}
