"""The questionnaire engine: the real definition, which questions are asked,
every answer type's parsing and messages, and definition checks."""
import copy
import datetime as dt
import json

import pytest

from services.housing.domain import questionnaire as Q
from services.housing.domain.questionnaire import AnswerError, DefinitionError, Invalid

TODAY = dt.date(2026, 12, 2)  # a Wednesday
REAL = Q.load_directory()[1]

SELF = {
    "route": "self", "sleep_tonight": "own_home", "risk_of_violence": "no",
    "asked_to_leave": "no", "reason": "relationship_breakdown", "applicant_age": 34,
    "other_adults": 0, "pregnant": "no", "dependent_children": 0, "health": ["none"],
    "background": ["none"], "local_connection": ["live"], "consent_to_share": "yes",
    "contact_channel": "none",
}


def ids(questions):
    return [q.id for q in questions]


def parse(qid, raw, today=TODAY):
    return REAL.parse_answer(qid, raw, today)


def message(qid, raw, today=TODAY):
    with pytest.raises(AnswerError) as caught:
        parse(qid, raw, today)
    assert caught.value.question_id == qid
    return caught.value.message


# --- The real definition ------------------------------------------------------

def test_the_real_questionnaire_loads():
    assert set(Q.load_directory()) == {1}
    assert REAL.version == 1
    assert REAL.title == "Get help if you are homeless or at risk of losing your home"
    assert ids(REAL.questions)[:5] == ["route", "referrer_organisation", "referrer_email",
                                       "referral_consent", "sleep_tonight"]
    assert Q.DEFAULT_DIRECTORY.name == "questionnaires"
    assert Q.load(Q.DEFAULT_DIRECTORY / "triage-v1.yaml") == REAL


REFERRAL_QUESTIONS = ["referrer_organisation", "referrer_email", "referral_consent"]


@pytest.mark.parametrize("route, asked", [("self", False), ("referral", True)])
def test_referral_questions_are_asked_only_for_a_referral(route, asked):
    got = ids(REAL.asked({**SELF, "route": route}))
    assert all((qid in got) is asked for qid in REFERRAL_QUESTIONS)


def test_before_the_route_is_answered_no_referral_question_is_asked():
    got = ids(REAL.asked({}))
    assert not set(REFERRAL_QUESTIONS) & set(got)
    assert REAL.next_unanswered({}).id == "route"


@pytest.mark.parametrize("change, asked, not_asked", [
    ({"sleep_tonight": "own_home"}, ["asked_to_leave"], ["how_asked", "leave_date"]),
    ({"sleep_tonight": "rough"}, [], ["asked_to_leave", "how_asked", "leave_date"]),
    ({"asked_to_leave": "yes"}, ["how_asked", "leave_date"], ["notice_served_on"]),
    ({"asked_to_leave": "yes", "how_asked": "section_21"}, ["notice_served_on"], []),
    ({"asked_to_leave": "yes", "how_asked": "section_8"}, ["notice_served_on"], []),
    ({"asked_to_leave": "yes", "how_asked": "family_or_friends"}, ["leave_date"],
     ["notice_served_on"]),
    ({"dependent_children": 0}, [], ["children_ages"]),
    ({"dependent_children": 1}, ["children_ages"], []),
    ({"risk_of_violence": "yes"}, ["safe_contact"], []),
    ({"risk_of_violence": "no"}, [], ["safe_contact"]),
    ({"contact_channel": "email"}, ["contact_email"], ["contact_phone"]),
    ({"contact_channel": "sms"}, ["contact_phone"], ["contact_email"]),
    ({"contact_channel": "phone"}, ["contact_phone"], ["contact_email"]),
    ({"contact_channel": "none"}, [], ["contact_email", "contact_phone"]),
])
def test_conditions(change, asked, not_asked):
    got = ids(REAL.asked({**SELF, **change}))
    assert set(asked) <= set(got)
    assert not set(not_asked) & set(got)


def test_a_condition_on_a_question_that_is_not_asked_is_false():
    # how_asked is left over from an earlier visit, but asked_to_leave is no
    # longer asked once they say they sleep rough.
    answers = {**SELF, "sleep_tonight": "rough", "asked_to_leave": "yes",
               "how_asked": "section_21", "notice_served_on": "2026-11-01"}
    got = ids(REAL.asked(answers))
    assert "how_asked" not in got and "notice_served_on" not in got


def test_relevant_drops_moot_answers_and_keeps_question_order():
    answers = {"contact_channel": "none", **SELF, "sleep_tonight": "rough",
               "asked_to_leave": "yes", "how_asked": "family_or_friends",
               "leave_date": "2026-12-01", "contact_email": "old@example.com"}
    got = REAL.relevant(answers)
    assert "asked_to_leave" not in got and "leave_date" not in got
    assert "contact_email" not in got
    assert list(got) == [qid for qid in ids(REAL.questions) if qid in got]


def test_next_unanswered_walks_the_questions_in_order():
    answers = {}
    seen = []
    script = {"route": "referral", "referrer_organisation": "HMP Example",
              "referrer_email": "officer@example.gov.uk", "referral_consent": "yes",
              **{k: v for k, v in SELF.items() if k != "route"}}
    while (q := REAL.next_unanswered(answers)) is not None:
        seen.append(q.id)
        answers[q.id] = script[q.id]
    assert seen == ids(REAL.asked(answers))
    assert seen[:4] == ["route", *REFERRAL_QUESTIONS]
    assert REAL.missing(answers) == []


def test_missing_lists_every_asked_unanswered_question():
    answers = {**SELF, "asked_to_leave": "yes"}
    del answers["reason"]
    assert [(e.question_id, e.message) for e in REAL.missing(answers)] == [
        ("how_asked", "Select how you were asked to leave"),
        ("leave_date", "Enter the date you have been told to leave by"),
        ("reason", "Select the main reason you are losing, or have lost, your home"),
    ]


# Every message for an unanswered question, as people will read them.
@pytest.mark.parametrize("qid, text", [
    ("route", "Select if you are filling this in for yourself"),
    ("referrer_organisation", "Enter the name of your organisation"),
    ("referrer_email", "Enter your work email address"),
    ("referral_consent", "Select yes if the person has agreed to you referring them and "
                         "sharing their details with us"),
    ("sleep_tonight", "Select where you will sleep tonight"),
    ("risk_of_violence", "Select yes if you are at risk of violence or abuse if you stay at "
                         "or go back to your home"),
    ("asked_to_leave", "Select yes if you have been asked or told to leave where you live"),
    ("how_asked", "Select how you were asked to leave"),
    ("notice_served_on", "Enter the date you were given the notice"),
    ("leave_date", "Enter the date you have been told to leave by"),
    ("reason", "Select the main reason you are losing, or have lost, your home"),
    ("applicant_age", "Enter your age"),
    ("other_adults", "Enter how many other adults will live with you"),
    ("pregnant", "Answer the question: Are you, or is anyone who will live with you, pregnant?"),
    ("dependent_children", "Enter how many children who depend on you will live with you"),
    ("children_ages", "Enter how old the children are"),
    ("health", "Answer the question: Does anyone in your household have any of these?"),
    ("background", "Answer the question: Do any of these apply to you?"),
    ("local_connection", "Select what connects you to this area, or select 'None of these'"),
    ("consent_to_share", "Select yes if you agree to us sharing your information with other "
                         "organisations that can help you"),
    ("contact_channel", "Select how we should contact you"),
    ("contact_email", "Enter your email address"),
    ("contact_phone", "Enter your phone number"),
    ("safe_contact", "Answer the question: When is it safe to contact you, and is there "
                     "anything we should avoid?"),
])
def test_the_message_for_each_unanswered_question(qid, text):
    assert REAL.question(qid).missing_message == text
    for blank in (None, "", "   ", [], {"day": "", "month": "", "year": ""}):
        assert message(qid, blank) == text


@pytest.mark.parametrize("qtype, text, expected", [
    ("text", "Which area do you live in?", "Enter which area you live in"),
    ("number", "How many bedrooms do you have?", "Enter how many bedrooms you have"),
    ("text", "Who is your landlord?", "Enter who your landlord is"),
    ("text", "What is your name?", "Enter your name"),
    ("date", "When did you move in?", "Answer the question: When did you move in?"),
    ("yes_no", "Did you sign a tenancy?", "Answer the question: Did you sign a tenancy?"),
    ("choice", "Where might you go?", "Select where you might go"),
    ("date", "What is your date of birth?", "Enter your date of birth"),
    ("yes_no", "Has your landlord given you notice?",
     "Select yes if your landlord has given you notice"),
    ("yes_no", "Do you rent your home?", "Select yes if you rent your home"),
    ("yes_no", "Is this your first time?", "Answer the question: Is this your first time?"),
    ("yes_no", "Are you, or is anyone, pregnant?",
     "Answer the question: Are you, or is anyone, pregnant?"),
    ("text", "When is it safe to call, and will you answer?",
     "Answer the question: When is it safe to call, and will you answer?"),
    ("text", "Tell us more", "Answer the question: Tell us more"),
])
def test_missing_messages_follow_the_wording(qtype, text, expected):
    question = {"id": "q", "summary": "Q", "text": text, "type": qtype}
    if qtype == "choice":
        question["options"] = [{"value": "x", "label": "X"}, {"value": "y", "label": "Y"}]
    q = Q.from_dict({"version": 1, "title": "T", "questions": [question]})
    assert q.question("q").missing_message == expected


def test_an_unknown_question():
    with pytest.raises(AnswerError) as caught:
        REAL.question("shoe_size")
    assert (caught.value.question_id, caught.value.message) == \
        ("shoe_size", "There is no such question")
    with pytest.raises(AnswerError):
        REAL.parse_answer("shoe_size", "9", TODAY)


def test_to_dict_is_json_and_round_trips():
    data = REAL.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["questions"][4]["options"][0] == {
        "value": "own_home", "label": "In my home, where I live now", "hint": None}
    assert data["questions"][6]["when"] == [
        {"question": "sleep_tonight", "in": ["own_home", "with_others"]}]
    assert Q.from_dict(data) == REAL


# --- Parsing each answer type ---------------------------------------------

@pytest.mark.parametrize("qid, raw, value", [
    ("sleep_tonight", "rough", "rough"),
    ("sleep_tonight", " sofa_surfing ", "sofa_surfing"),
    ("health", "mental_health", ["mental_health"]),
    ("health", ["disability", "physical_health"], ["physical_health", "disability"]),
    ("health", ["none"], ["none"]),
    ("health", ["disability", "disability", ""], ["disability"]),
    ("asked_to_leave", "yes", "yes"),
    ("asked_to_leave", "No", "no"),
    ("asked_to_leave", " YES ", "yes"),
    ("asked_to_leave", True, "yes"),
    ("asked_to_leave", False, "no"),
    ("leave_date", "2027-01-31", "2027-01-31"),
    ("leave_date", dt.date(2027, 1, 31), "2027-01-31"),
    ("leave_date", dt.datetime(2027, 1, 31, 9, 30), "2027-01-31"),
    ("leave_date", {"day": "31", "month": "1", "year": "2027"}, "2027-01-31"),
    ("leave_date", {"day": " 5 ", "month": "Feb", "year": "2027"}, "2027-02-05"),
    ("leave_date", {"day": 5, "month": 2, "year": 2027}, "2027-02-05"),
    ("notice_served_on", "2026-12-02", "2026-12-02"),  # today is not after today
    ("notice_served_on", "1900-01-01", "1900-01-01"),
    ("leave_date", "2036-12-02", "2036-12-02"),        # exactly ten years ahead
    ("applicant_age", "34", 34),
    ("applicant_age", 34, 34),
    ("applicant_age", " 16 ", 16),
    ("applicant_age", 120, 120),
    ("applicant_age", 34.0, 34),
    ("other_adults", "0", 0),
    ("children_ages", "3, 7, 15", [3, 7, 15]),
    ("children_ages", "3 7,15", [3, 7, 15]),
    ("children_ages", "0", [0]),
    ("children_ages", [3, "7"], [3, 7]),
    ("children_ages", ",".join(["1"] * 20), [1] * 20),
    ("referrer_organisation", "  HMP Example  ", "HMP Example"),
    ("referrer_organisation", "x" * 120, "x" * 120),
    ("safe_contact", "Weekday mornings.\r\nNo voicemail.", "Weekday mornings.\nNo voicemail."),
    ("contact_email", " name@example.com ", "name@example.com"),
    ("contact_email", "first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ("contact_phone", "07700 900123", "07700900123"),
    ("contact_phone", "+44 7700 900123", "07700900123"),
    ("contact_phone", "+44 (0)7700 900123", "07700900123"),
    ("contact_phone", "0044 7700 900123", "07700900123"),
    ("contact_phone", "07700-900123", "07700900123"),
    ("contact_phone", "(020) 7946 0000", "02079460000"),
    ("contact_phone", "01632 960001", "01632960001"),
    ("contact_phone", "0169 77 4321", "0169774321"),   # ten-digit numbers exist
    ("contact_phone", "+44 0 7700 900123", "07700900123"),
])
def test_answers_are_stored_json_native(qid, raw, value):
    got = parse(qid, raw)
    assert got == value
    assert json.loads(json.dumps(got)) == got


@pytest.mark.parametrize("qid, raw, text", [
    ("sleep_tonight", "under_a_bridge", "Select where you will sleep tonight"),
    ("sleep_tonight", ["rough"], "Select where you will sleep tonight"),
    ("health", ["none", "disability"], "Select 'None of these' on its own, or only the others"),
    ("health", ["telepathy"], "Answer the question: Does anyone in your household have any "
                              "of these?"),
    ("health", 7, "Answer the question: Does anyone in your household have any of these?"),
    ("asked_to_leave", "maybe", "Select yes if you have been asked or told to leave where "
                                "you live"),
    ("asked_to_leave", 1, "Select yes if you have been asked or told to leave where you live"),
    ("applicant_age", "abc", "Enter your age as a number, like 34"),
    ("applicant_age", "3.5", "Enter your age as a number, like 34"),
    ("applicant_age", 3.5, "Enter your age as a number, like 34"),
    ("applicant_age", True, "Enter your age as a number, like 34"),
    ("applicant_age", "9" * 5000, "Enter your age as a number, like 34"),
    ("applicant_age", "15", "Age must be 16 or over"),
    ("applicant_age", 121, "Age must be 120 or under"),
    ("other_adults", "two", "Other adults in the household must be a number, like 2"),
    ("other_adults", -1, "Other adults in the household must be 0 or over"),
    ("other_adults", 21, "Other adults in the household must be 20 or under"),
    ("children_ages", "3, seven", "Children's ages must be numbers separated by commas, "
                                  "like 3, 7, 15"),
    ("children_ages", "3, 19", "Children's ages must each be 18 or under"),
    ("children_ages", "-1", "Children's ages must each be 0 or over"),
    ("children_ages", ",".join(["1"] * 21), "Children's ages must be 20 numbers or fewer"),
    ("children_ages", "1," * 5000, "Children's ages must be 20 numbers or fewer"),
    ("referrer_organisation", "x" * 121, "Your organisation must be 120 characters or less"),
    ("referrer_organisation", "HMP\x00Example", "Your organisation must not include hidden "
                                                "characters"),
    ("referrer_organisation", "HMP\x1bExample", "Your organisation must not include hidden "
                                                "characters"),
    ("referrer_organisation", 42, "Enter the name of your organisation"),
    ("safe_contact", "x" * 301, "Safe times and ways to contact must be 300 characters or "
                                "less"),
    ("contact_email", "name.example.com", Q.EMAIL_FORMAT),
    ("contact_email", "name@example", Q.EMAIL_FORMAT),
    ("contact_email", "name@@example.com", Q.EMAIL_FORMAT),
    ("contact_email", "na me@example.com", Q.EMAIL_FORMAT),
    ("contact_email", "name@exam_ple.com", Q.EMAIL_FORMAT),
    ("contact_email", ".name@example.com", Q.EMAIL_FORMAT),
    ("contact_email", "a" * 65 + "@example.com", Q.EMAIL_FORMAT),
    ("contact_email", "a@" + "b" * 250 + ".com", "Email address must be 254 characters or "
                                                 "less"),
    ("contact_phone", "077009001", Q.PHONE_FORMAT),
    ("contact_phone", "077009001234", Q.PHONE_FORMAT),
    ("contact_phone", "+33 6 12 34 56 78", Q.PHONE_FORMAT),
    ("contact_phone", "7700 900123", Q.PHONE_FORMAT),
    ("contact_phone", "07700 9OO123", Q.PHONE_FORMAT),
    ("contact_phone", "00 7700 900123", Q.PHONE_FORMAT),
    ("contact_phone", 7700900123, Q.PHONE_FORMAT),
])
def test_answers_that_are_refused(qid, raw, text):
    assert message(qid, raw) == text


def test_the_format_messages_are_the_gov_uk_ones():
    assert Q.EMAIL_FORMAT == "Enter an email address in the correct format, like " \
                             "name@example.com"
    assert Q.PHONE_FORMAT.startswith("Enter a UK phone number, like ")


@pytest.mark.parametrize("raw, text", [
    ({"day": "", "month": "2", "year": "2027"}, "Date must include a day"),
    ({"day": "5", "month": "", "year": "2027"}, "Date must include a month"),
    ({"day": "5", "month": "2", "year": ""}, "Date must include a year"),
    ({"day": "", "month": "", "year": "2027"}, "Date must include a day and month"),
    ({"day": "5"}, "Date must include a month and year"),
    ({"day": "31", "month": "2", "year": "2027"}, "Date must be a real date"),
    ({"day": "29", "month": "2", "year": "2027"}, "Date must be a real date"),
    ({"day": "5", "month": "13", "year": "2027"}, "Date must be a real date"),
    ({"day": "0", "month": "1", "year": "2027"}, "Date must be a real date"),
    ({"day": "five", "month": "1", "year": "2027"}, "Date must be a real date"),
    ({"day": "\u00b2", "month": "1", "year": "2027"}, "Date must be a real date"),
    ({"day": "123", "month": "1", "year": "2027"}, "Date must be a real date"),
    ({"day": "5", "month": "1", "year": "\u0662\u0660\u0662\u0667"}, "Date must be a real date"),
    ({"day": "5", "month": "Smarch", "year": "2027"}, "Date must be a real date"),
    ({"day": "5", "month": "1", "year": "27"}, "Year must include 4 numbers"),
    ({"day": "5", "month": "1", "year": "02027"}, "Year must include 4 numbers"),
    ({"day": "5", "month": "1", "year": "twenty"}, "Date must be a real date"),
    ("2027-02-30", "Date must be a real date"),
    ("31/01/2027", "Date must be a real date"),
    ("20270131", "Date must be a real date"),
    (20270131, "Date must be a real date"),
    ("1899-12-31", "Date must be 1 January 1900 or later"),
    ("2036-12-03", "Date must be within the next 10 years"),
])
def test_date_messages(raw, text):
    assert message("leave_date", raw) == text


@pytest.mark.parametrize("raw", ["2026-12-03", {"day": "3", "month": "12", "year": "2026"}])
def test_a_notice_cannot_have_been_given_in_the_future(raw):
    assert message("notice_served_on", raw) == "The date must be today or in the past"


def test_the_ten_year_limit_from_the_29th_of_february():
    assert parse("leave_date", "2038-02-28", today=dt.date(2028, 2, 29)) == "2038-02-28"
    assert message("leave_date", "2038-03-01", today=dt.date(2028, 2, 29)) == \
        "Date must be within the next 10 years"


def test_text_keeps_newlines_and_tabs_but_not_other_control_characters():
    assert parse("safe_contact", "Mornings\tonly\nNo voicemail") == "Mornings\tonly\nNo voicemail"
    assert message("safe_contact", "Mornings\x07") == \
        "Safe times and ways to contact must not include hidden characters"
    assert message("safe_contact", "Mornings\ud800") == \
        "Safe times and ways to contact must not include hidden characters"


def test_text_has_a_default_limit_of_500():
    q = Q.from_dict({"version": 1, "title": "T", "questions": [
        {"id": "notes", "summary": "Notes", "text": "Anything else?", "type": "text"}]})
    assert q.parse_answer("notes", "x" * 500, TODAY) == "x" * 500
    with pytest.raises(AnswerError, match="Notes must be 500 characters or less"):
        q.parse_answer("notes", "x" * 501, TODAY)


def test_validate_collects_every_problem():
    answers = {**SELF, "applicant_age": "15", "other_adults": "x"}
    del answers["reason"]
    with pytest.raises(Invalid) as caught:
        REAL.validate(answers, TODAY)
    assert caught.value.fields() == {
        "reason": ["Select the main reason you are losing, or have lost, your home"],
        "applicant_age": ["Age must be 16 or over"],
        "other_adults": ["Other adults in the household must be a number, like 2"],
    }
    assert REAL.validate({**SELF, "applicant_age": "34"}, TODAY)["applicant_age"] == 34


def test_invalid_groups_messages_by_question():
    errors = [AnswerError("a", "One"), AnswerError("b", "Two"), AnswerError("a", "Three")]
    assert Invalid(errors).fields() == {"a": ["One", "Three"], "b": ["Two"]}
    assert Invalid(errors).errors == errors


# --- Checking a definition ------------------------------------------------------

def definition(*questions, **top):
    return {"version": 1, "title": "Test", "questions": list(questions), **top}


A = {"id": "a", "summary": "A", "text": "Pick one?", "type": "choice",
     "options": [{"value": "x", "label": "X"}, {"value": "y", "label": "Y"}]}
N = {"id": "n", "summary": "N", "text": "How many?", "type": "number"}
M = {"id": "m", "summary": "M", "text": "Pick some?", "type": "multi_choice",
     "options": [{"value": "x", "label": "X"}, {"value": "none", "label": "None"}]}
YN = {"id": "yn", "summary": "YN", "text": "Yes or no?", "type": "yes_no"}


def later(**condition):
    return {"id": "b", "summary": "B", "text": "And?", "type": "text", "when": [condition]}


@pytest.mark.parametrize("data, words", [
    (None, "must be a mapping"),
    ({**definition(A), "colour": "red"}, "unknown keys: colour"),
    (definition(A, version=0), "version must be a positive whole number"),
    (definition(A, version="1"), "version must be a positive whole number"),
    (definition(A, version=True), "version must be a positive whole number"),
    (definition(A, title=""), "title must be non-empty text"),
    (definition(), "questions must be a non-empty list"),
    (definition(A, A), "question 'a': the id is used twice"),
    (definition({**A, "id": "Bad-Id"}), "id must be lower-case"),
    (definition({**A, "type": "slider"}), "unknown type 'slider'"),
    (definition({**A, "colour": "red"}), "unknown keys: colour"),
    (definition({**A, "summary": None}), "summary must be non-empty text"),
    (definition({**A, "options": []}), "needs at least two options"),
    (definition({**A, "options": [{"value": "x", "label": "X"}, {"value": "x", "label": "Y"}]}),
     "option values must be unique; repeated: x"),
    (definition({**A, "options": [{"value": True, "label": "X"}, {"value": "y", "label": "Y"}]}),
     "quote yes and no"),
    (definition({**A, "options": [{"value": "x"}, {"value": "y", "label": "Y"}]}),
     "option x label must be non-empty text"),
    (definition({**N, "options": A["options"]}), "only choice and multi_choice questions have "
                                                 "options"),
    (definition({**M, "exclusive": "all"}), "exclusive 'all' must be one of the options"),
    (definition({**A, "exclusive": "x"}), "only multi_choice questions have an exclusive"),
    (definition({**N, "min": 5, "max": 1}), "min must not be more than max"),
    (definition({**N, "min": 1.5}), "min must be a whole number"),
    (definition({**A, "max": 3}), "only number questions have max"),
    (definition({**A, "max_length": 3}), "only text questions have max_length"),
    (definition({**later(), "when": [], "max_length": 0}), "max_length must be a positive"),
    (definition({**A, "not_after_today": True}), "not_after_today is true or false, on date"),
    (definition(later(question="a", equals="x"), A), "a condition can only be on an earlier "
                                                    "question, and 'a' is not earlier"),
    (definition({**later(question="b", equals="x")}), "'b' is not earlier"),
    (definition(A, later(question="z", equals="x")), "condition on 'z', which is not a "
                                                     "question"),
    (definition(A, later(question="a", like="x")), "unknown condition operator 'like'"),
    (definition(A, later(question="a", equals="x", **{"in": ["y"]})), "exactly one operator"),
    (definition(A, later(question="a")), "exactly one operator"),
    (definition(A, later(question="a", equals="z")), "'z' is not a possible answer to 'a'"),
    (definition(YN, later(question="yn", equals=True)), "quote yes and no"),
    (definition(A, later(question="a", **{"in": []})), "'in' needs a non-empty list"),
    (definition(A, later(question="a", includes="x")), "use includes only on multi_choice"),
    (definition(M, later(question="m", equals="x")), "use equals only on choice, yes_no or "
                                                     "number"),
    (definition(A, later(question="a", at_least=1)), "use at_least only on number questions"),
    (definition(N, later(question="n", at_most="3")), "compare it with a whole number"),
    (definition(A, {**later(question="a", equals="x"), "when": "a"}), "when must be a list"),
])
def test_definition_errors(data, words):
    with pytest.raises(DefinitionError) as caught:
        Q.from_dict(data)
    assert words in str(caught.value)


@pytest.mark.parametrize("condition, answers, asked", [
    ({"question": "a", "equals": "x"}, {"a": "x"}, True),
    ({"question": "a", "equals": "x"}, {"a": "y"}, False),
    ({"question": "a", "equals": "x"}, {}, False),
    ({"question": "a", "in": ["x", "y"]}, {"a": "y"}, True),
    ({"question": "m", "includes": "x"}, {"m": ["x"]}, True),
    ({"question": "m", "includes": "x"}, {"m": ["none"]}, False),
    ({"question": "n", "at_least": 2}, {"n": 2}, True),
    ({"question": "n", "at_least": 2}, {"n": 1}, False),
    ({"question": "n", "at_most": 2}, {"n": 2}, True),
    ({"question": "n", "at_most": 2}, {"n": 3}, False),
    ({"question": "n", "at_most": 2}, {"n": "1"}, False),  # never a parsed answer
    ({"question": "yn", "equals": "yes"}, {"yn": "yes"}, True),
])
def test_each_operator(condition, answers, asked):
    q = Q.from_dict(definition(A, N, M, YN, later(**condition)))
    assert ("b" in ids(q.asked(answers))) is asked


def test_load_and_load_directory(tmp_path):
    text = (Q.DEFAULT_DIRECTORY / "triage-v1.yaml").read_text()
    (tmp_path / "triage-v1.yaml").write_text(text)
    (tmp_path / "triage-v2.yaml").write_text(text.replace("version: 1", "version: 2"))
    (tmp_path / "notes.txt").write_text("not a questionnaire")
    assert sorted(Q.load_directory(tmp_path)) == [1, 2]

    (tmp_path / "copy.yaml").write_text(text)
    with pytest.raises(DefinitionError, match="both version 1"):
        Q.load_directory(tmp_path)


@pytest.mark.parametrize("text, words", [
    ("version: [1", "broken.yaml: not valid YAML"),
    ("version: 1\ntitle: T\nquestions: []\n", "broken.yaml: questions must be a non-empty"),
])
def test_a_broken_file_names_itself(tmp_path, text, words):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(DefinitionError, match=words):
        Q.load(path)


def test_the_engine_does_not_change_the_definition_it_was_given():
    data = copy.deepcopy(REAL.to_dict())
    before = copy.deepcopy(data)
    Q.from_dict(data)
    assert data == before
