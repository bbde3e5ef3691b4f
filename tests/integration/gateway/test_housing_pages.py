"""The housing resident pages as a browser without JavaScript uses them,
against the real housing service in a Stack: one question per page, errors,
check your answers, changing an answer, sending, saving and coming back,
and tracking a case."""
import re
from html import unescape

import psycopg2
import pytest

from services.kit import references
from tests.support.housing_stack import call, emergency_answers, renter_answers
from tests.support.pages import Browser

QUESTION_URL = re.compile(r"/housing/triage/question/([a-z_]+)(\?change=1)?$")


@pytest.fixture(scope="module")
def questions(housing_stack):
    form = call(housing_stack, "GET", "/api/v1/housing/questionnaire").json()
    return {q["id"]: q for q in form["questions"]}


def fields_for(question, value):
    """The form fields a person fills in for an answer."""
    qid = question["id"]
    if question["type"] == "multi_choice":
        return [(qid, v) for v in value]
    if question["type"] == "date":
        return [(f"{qid}-{part}", value[part]) for part in ("day", "month", "year")]
    return [(qid, value)]


def answer_current(browser, questions, answers, action=None):
    qid = QUESTION_URL.search(browser.path).group(1)
    return browser.submit(action or browser.path, fields_for(questions[qid], answers[qid]))


def answer_until_check(browser, questions, answers):
    seen = []
    while QUESTION_URL.search(browser.path):
        qid = QUESTION_URL.search(browser.path).group(1)
        seen.append(qid)
        page = answer_current(browser, questions, answers)
        assert page.status_code == 200, (qid, page.text[:2000])
        assert len(seen) < 40
    assert browser.path == "/housing/triage/check", browser.path
    return seen


def start(browser):
    browser.get("/housing")
    return browser.submit("/housing")


def test_the_start_page(housing_stack):
    browser = Browser(housing_stack)
    page = browser.get("/housing")
    assert page.status_code == 200
    assert "If you are in danger now, call 999." in browser.text
    assert "Start now" in browser.text and 'action="/housing"' in page.text
    assert 'href="/housing/triage/resume"' in page.text
    assert browser.get("/housing/help").url.endswith("/housing")
    home = browser.get("/").text
    assert 'href="/housing"' in home or 'href="/housing/help"' in home


def test_a_person_answers_one_question_per_page_and_sends(housing_stack, questions):
    browser = Browser(housing_stack)
    first = start(browser)
    assert browser.path == "/housing/triage/question/route"
    cookie = next(c for c in browser.session.cookies if c.name == "housing_triage")
    assert cookie.path == "/housing" and cookie.has_nonstandard_attr("HttpOnly")
    assert "Are you filling this in for yourself?" in browser.text
    assert '<a href="/housing" class="govuk-back-link">Back</a>' in first.text
    assert re.search(r'value="save" name="action"[^>]*>\s*Save and come back later', first.text)

    answers = emergency_answers()
    seen = answer_until_check(browser, questions, answers)
    assert seen[:3] == ["route", "sleep_tonight", "risk_of_violence"]
    assert "safe_contact" in seen and "asked_to_leave" not in seen

    check = browser.text
    assert "Check your answers before sending" in check
    assert "I have nowhere to stay tonight" in check
    assert "A mental health condition" in check and "27" in check
    assert 'href="/housing/triage/question/pregnant?change=1"' in browser.page.text

    sent = browser.submit("/housing/triage/check")
    assert sent.status_code == 200 and browser.path == "/housing/triage/outcome"
    outcome = browser.text
    reference = re.search(r"HL-[0-9A-Z]{4}-[0-9]{2}", outcome).group(0)
    code = re.search(r'id="case-code">([0-9A-Z-]{14})<', browser.page.text).group(1)
    assert "Your request for help has been sent" in outcome
    assert "If you are in danger now, call 999." in outcome
    assert re.search(r'id="call-today">Phone <strong[^>]*><a class="govuk-link" '
                     r'href="tel:', browser.page.text)
    assert "homeless now" in outcome
    # the draft is sent: its cookie has gone
    assert "housing_triage" not in {c.name for c in browser.session.cookies}

    status = call(housing_stack, "GET", f"/api/v1/housing/cases/{reference}",
                  headers={"X-Resident-Secret": code})
    assert status.status_code == 200 and status.json()["urgency"] == "emergency"

    # and tracked later, in another browser
    other = Browser(housing_stack)
    other.get("/housing/case")
    tracked = other.submit("/housing/case", reference=reference.lower(), secret=code)
    assert tracked.status_code == 200
    assert "Your request for help with housing" in other.text and "Received" in other.text
    assert reference in other.text


def test_a_bad_answer_shows_the_error_summary(housing_stack, questions):
    browser = Browser(housing_stack)
    start(browser)
    blank = browser.submit(browser.path)
    assert blank.status_code == 400
    assert "<title>Error: " in blank.text
    summary = blank.text[blank.text.index("govuk-error-summary"):]
    assert 'href="#route"' in summary
    assert 'id="route-error"' in blank.text

    answers = renter_answers()
    for _ in range(10):
        qid = QUESTION_URL.search(browser.path).group(1)
        if qid == "leave_date":
            break
        answer_current(browser, questions, answers)
    bad = browser.submit(browser.path, [("leave_date-day", "31"), ("leave_date-month", "2"),
                                        ("leave_date-year", "2026")])
    assert bad.status_code == 400
    assert 'href="#leave_date-day"' in bad.text and "Date must be a real date" in bad.text
    # what was typed stays in the boxes
    assert re.search(r'id="leave_date-day"[^>]*value="31"', bad.text)
    assert "govuk-input--error" in bad.text


def test_change_links_return_to_the_check_page(housing_stack, questions):
    browser = Browser(housing_stack)
    start(browser)
    answers = renter_answers()
    answer_until_check(browser, questions, answers)

    browser.get("/housing/triage/question/pregnant?change=1")
    assert '<a href="/housing/triage/check" class="govuk-back-link">Back</a>' in browser.page.text
    assert re.search(r'value="no"\s+checked', browser.page.text)
    browser.submit(browser.path, pregnant="yes")
    assert browser.path == "/housing/triage/check"

    # a change that makes a new question apply asks it, then comes back
    browser.get("/housing/triage/question/contact_channel?change=1")
    browser.submit(browser.path, contact_channel="sms")
    assert browser.path == "/housing/triage/question/contact_phone?change=1"
    browser.submit(browser.path, contact_phone="07700 900982")
    assert browser.path == "/housing/triage/check"
    assert "Text message" in browser.text and "07700900982" in browser.text


def test_contradictions_are_listed_on_the_check_page(housing_stack, questions):
    browser = Browser(housing_stack)
    start(browser)
    answers = renter_answers()
    answers["children_ages"] = "3, 7, 9"
    answer_until_check(browser, questions, answers)
    refused = browser.submit("/housing/triage/check")
    assert refused.status_code == 400
    summary = refused.text[refused.text.index("govuk-error-summary"):]
    assert 'href="/housing/triage/question/children_ages?change=1"' in summary
    assert "You said 2 children depend on you but gave 3 ages" in unescape(summary)


def test_save_and_come_back_with_the_code(housing_stack, questions):
    browser = Browser(housing_stack)
    start(browser)
    answers = renter_answers()
    answer_current(browser, questions, answers)
    answer_current(browser, questions, answers)
    assert browser.path == "/housing/triage/question/risk_of_violence"
    saved = browser.submit(browser.path, risk_of_violence="no", action="save")
    assert browser.path == "/housing/triage/save"
    code = re.search(r'id="resume-code">([0-9A-Z-]{14})<', saved.text).group(1)
    assert "We will keep your answers for 30 days" in browser.text

    fresh = Browser(housing_stack)
    fresh.get("/housing/triage/question/asked_to_leave")
    assert fresh.path == "/housing"
    fresh.get("/housing/triage/resume")
    wrong = fresh.submit("/housing/triage/resume", code="2222-3333-4444")
    assert wrong.status_code == 404 and 'href="#code"' in wrong.text
    malformed = fresh.submit("/housing/triage/resume", code="hello")
    assert malformed.status_code == 400
    fresh.submit("/housing/triage/resume", code=code.lower().replace("-", " "))
    assert fresh.path == "/housing/triage/question/asked_to_leave"
    assert '<a href="/housing/triage/question/risk_of_violence" class="govuk-back-link">' \
        in fresh.page.text


def test_a_question_that_does_not_apply_goes_to_the_next(housing_stack, questions):
    browser = Browser(housing_stack)
    start(browser)
    browser.get("/housing/triage/question/safe_contact")
    assert browser.path == "/housing/triage/question/route"
    browser.get("/housing/triage/check")
    assert browser.path == "/housing/triage/question/route"
    assert browser.get("/housing/triage/question/nonsense").url.endswith("/question/route")


def test_saving_with_nothing_typed_keeps_what_was_saved(housing_stack, questions):
    browser = Browser(housing_stack)
    start(browser)
    answer_current(browser, questions, renter_answers())
    assert browser.path == "/housing/triage/question/sleep_tonight"
    browser.submit(browser.path, action="save")
    assert browser.path == "/housing/triage/save"
    assert 'href="/housing/triage/question/sleep_tonight"' in browser.page.text


def test_an_expired_form_says_so_and_forgets_the_cookie(housing_stack, housing_db, questions):
    browser = Browser(housing_stack)
    start(browser)
    answer_current(browser, questions, renter_answers())
    conn = psycopg2.connect(housing_db)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE drafts SET expires_at = now() - interval '1 minute' "
                        "WHERE case_id IS NULL")
    finally:
        conn.close()
    gone = browser.get("/housing/triage/question/sleep_tonight")
    assert gone.status_code == 404
    assert "We could not find your form" in browser.text
    assert "housing_triage" not in {c.name for c in browser.session.cookies}
    assert browser.get("/housing/triage/check").url.endswith("/housing")


def test_tracking_with_a_wrong_code_is_an_error_message(housing_stack):
    browser = Browser(housing_stack)
    browser.get("/housing/case")
    empty = browser.submit("/housing/case", reference="", secret="")
    assert empty.status_code == 400
    assert "Enter your reference" in browser.text and "Enter your code" in browser.text
    wrong = browser.submit("/housing/case", reference=references.new_reference("HL"),
                           secret="2222-3333-4444")
    assert wrong.status_code == 404
    assert 'href="#reference"' in wrong.text and "No case matches" in browser.text
