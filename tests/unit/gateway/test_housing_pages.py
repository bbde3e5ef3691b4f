"""The housing pages' helpers: form fields to answers and back, answers in
words for check-your-answers, the triage cookie, and the questionnaire cache."""
import datetime as dt

from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway.pages.housing import questions, words
from gateway.web import errors
from gateway.api.housing import staff_args
from gateway.pages.housing.routes import next_path
from gateway.web.caches import Versions
from gateway.auth.roles import Principal

HEALTH = {"id": "health", "type": "multi_choice", "exclusive": "none", "options": [
    {"value": "physical_health", "label": "A physical health condition"},
    {"value": "mental_health", "label": "A mental health condition"},
    {"value": "none", "label": "None of these"}]}
SLEEP = {"id": "sleep_tonight", "type": "choice", "options": [
    {"value": "own_home", "label": "In my home, where I live now"},
    {"value": "nowhere", "label": "I have nowhere to stay tonight"}]}
LEAVE = {"id": "leave_date", "type": "date"}
AGE = {"id": "applicant_age", "type": "number", "suffix": "years"}
ADULTS = {"id": "other_adults", "type": "number"}
AGES = {"id": "children_ages", "type": "number_list"}
PREGNANT = {"id": "pregnant", "type": "yes_no"}
SAFE = {"id": "safe_contact", "type": "text", "max_length": 300}
PHONE = {"id": "contact_phone", "type": "phone"}


def test_form_fields_become_the_answer_the_service_takes():
    form = MultiDict([("health", "physical_health"), ("health", "mental_health"),
                      ("leave_date-day", " 4 "), ("leave_date-month", "12"),
                      ("leave_date-year", "2026"), ("applicant_age", " 34 "),
                      ("safe_contact", "  mornings\r\nonly "), ("sleep_tonight", "nowhere")])
    assert questions.form_value(HEALTH, form) == ["physical_health", "mental_health"]
    assert questions.form_value(LEAVE, form) == {"day": "4", "month": "12", "year": "2026"}
    assert questions.form_value(AGE, form) == "34"
    assert questions.form_value(SLEEP, form) == "nowhere"
    # text is the service's to tidy: newlines matter in it
    assert questions.form_value(SAFE, form) == "  mornings\r\nonly "
    # nothing chosen or typed: blank, for the service to say what is missing
    empty = MultiDict()
    assert questions.form_value(HEALTH, empty) == []
    assert questions.form_value(LEAVE, empty) == {"day": "", "month": "", "year": ""}
    assert questions.form_value(PREGNANT, empty) is None


def test_saved_answers_go_back_into_the_fields():
    assert questions.field_values(LEAVE, "2026-12-04") == {"day": "4", "month": "12",
                                                         "year": "2026"}
    assert questions.field_values(LEAVE, {"day": "31", "month": "2", "year": "2026"}) == {
        "day": "31", "month": "2", "year": "2026"}
    assert questions.field_values(LEAVE, None) == {}
    assert questions.field_values(HEALTH, ["none"]) == ["none"]
    assert questions.field_values(HEALTH, None) == []
    assert questions.field_values(AGES, [3, 7, 15]) == "3, 7, 15"
    assert questions.field_values(AGE, 34) == "34"
    assert questions.field_values(PREGNANT, True) == "yes"
    assert questions.field_values(PREGNANT, None) == ""


def test_answers_in_words_for_check_your_answers():
    assert words.answer_lines(LEAVE, "2026-12-04") == ["4 December 2026"]
    assert words.answer_lines(HEALTH, ["physical_health", "mental_health"]) == [
        "A physical health condition", "A mental health condition"]
    assert words.answer_lines(HEALTH, ["none"]) == ["None of these"]
    assert words.answer_lines(SLEEP, "nowhere") == ["I have nowhere to stay tonight"]
    assert words.answer_lines(PREGNANT, "no") == ["No"]
    assert words.answer_lines(AGE, 34) == ["34 years"]
    assert words.answer_lines(ADULTS, 0) == ["0"]
    assert words.answer_lines(AGES, [3, 7, 15]) == ["3, 7, 15"]
    assert words.answer_lines(PHONE, "07700900982") == ["07700900982"]
    assert words.answer_lines(SAFE, "") == [] and words.answer_lines(HEALTH, []) == []
    # an option the definition no longer has still shows
    assert words.answer_lines(SLEEP, "boat") == ["boat"]
    assert words.answer_text(HEALTH, ["physical_health", "mental_health"]) == \
        "A physical health condition, A mental health condition"


def test_error_messages_and_their_targets():
    assert questions.error_target(LEAVE) == "leave_date-day"
    assert questions.error_target(HEALTH) == "health"
    error = errors.ValidationFailed(fields={"leave_date": ["Date must be a real date"]})
    assert questions.question_errors("leave_date", error) == ["Date must be a real date"]
    other = errors.ValidationFailed(fields={"code": ["Enter the code you were given."]})
    assert questions.question_errors("leave_date", other) == ["Enter the code you were given."]
    bare = errors.ValidationFailed("Something is wrong")
    assert questions.question_errors("leave_date", bare) == ["Something is wrong"]


def test_dates_and_days_in_words():
    assert words.date_text("2026-12-04") == "4 December 2026"
    assert words.day_text("2026-12-04") == "Friday 4 December 2026"
    assert words.date_text("2026-12-04T10:00:00+00:00") == "4 December 2026"
    assert words.date_text(None) == "" and words.date_text("soon") == ""
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)
    assert words.days_left("2026-12-15T12:00:00+00:00", now) == 14
    assert words.days_left("2026-12-15T11:59:00+00:00", now) == 14
    assert words.days_left("2026-12-01T18:00:00+00:00", now) == 1
    assert words.days_left("2026-11-30T12:00:00+00:00", now) == 0
    assert words.days_left(None, now) is None


def test_a_case_in_words():
    case = {"status": "open", "key_dates": {"respond_by": "2026-12-04",
                                            "notice_expires_on": None,
                                            "duty_ends_on": "2027-01-29"}}
    assert words.key_dates(case) == [
        ("We will contact you by", "Friday 4 December 2026"),
        ("Our duty to help you lasts until", "Friday 29 January 2027")]
    assert words.status_words(case)[0] == "Received"
    assert words.status_words({"status": "assigned"})[0] == "With a caseworker"
    closed = words.status_words({"status": "closed", "closed_outcome": "advice_given"})
    assert closed == ("Closed", "grey", "We gave you advice. Your case is closed.")
    assert words.contact_within({"within_working_days": 2}) == \
        "We will contact you within 2 working days."
    assert words.contact_within({"within_working_days": 1}) == \
        "We will contact you within 1 working day."
    assert words.contact_within({"within_working_days": None}) == ""
    assert "relief duty" in words.words()["duty"]("relief")
    assert words.words()["duty"]("none") == ""


def _request(cookies=None, base="http://localhost"):
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    builder = EnvironBuilder(path="/housing/triage/check", base_url=base, headers=headers)
    return Request(builder.get_environ())


def test_the_triage_cookie_is_signed_scoped_and_http_only():
    cookie = questions.TriageCookie("secret")
    response = cookie.attach(Response(), _request(), "7K3Q-M2XA-9PRT")
    header = response.headers["Set-Cookie"]
    assert header.startswith("housing_triage=")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/housing" in header
    assert "Secure" not in header and "Max-Age" not in header and "7K3Q" not in header
    value = header.split(";")[0].split("=", 1)[1]
    assert cookie.read(_request({"housing_triage": value})) == "7K3Q-M2XA-9PRT"
    # another key, a tampered value, or none: no code
    assert questions.TriageCookie("other").read(_request({"housing_triage": value})) is None
    assert cookie.read(_request({"housing_triage": value[:-2] + "xx"})) is None
    assert cookie.read(_request()) is None
    secure = cookie.attach(Response(), _request(base="https://council.example"),
                           "7K3Q-M2XA-9PRT")
    assert "Secure" in secure.headers["Set-Cookie"]
    cleared = cookie.clear(Response(), _request())
    assert "housing_triage=;" in cleared.headers["Set-Cookie"]


def test_questionnaires_are_cached_per_version_for_a_while():
    calls = []

    def fetch(version):
        calls.append(version)
        return {"version": version or 3, "title": "t", "questions": []}

    cache = Versions(ttl=60)
    assert cache.get(fetch)["version"] == 3
    assert cache.get(fetch)["version"] == 3 and cache.get(fetch, 3)["version"] == 3
    assert cache.get(fetch, 1)["version"] == 1 and cache.get(fetch, 1)["version"] == 1
    assert calls == [None, 1]
    stale = Versions(ttl=-1)
    stale.get(fetch, 2)
    stale.get(fetch, 2)
    assert calls == [None, 1, 2, 2]


def test_where_a_triage_goes_next():
    assert next_path({"next_question": "pregnant", "complete": False}) == \
        "/housing/triage/question/pregnant"
    assert next_path({"next_question": "pregnant"}, change=True) == \
        "/housing/triage/question/pregnant?change=1"
    assert next_path({"next_question": None, "complete": True}) == "/housing/triage/check"
    assert next_path({"next_question": "x", "submitted": True}) == "/housing/triage/check"


def test_staff_act_as_their_token_subject():
    worker = Principal("cw-1", frozenset({"caseworker"}), "bearer")
    boss = Principal("sup-1", frozenset({"caseworker", "supervisor"}), "bearer")
    assert staff_args(worker) == {"staff_id": "cw-1", "role": "caseworker"}
    assert staff_args(boss) == {"staff_id": "sup-1", "role": "supervisor"}
