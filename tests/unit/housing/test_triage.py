"""Every triage outcome path and boundary, and the contradictions that stop
a submission before triage."""
import datetime as dt
import json

import pytest

from services.housing.domain.triage import (
    DUTIES, PRIORITY_NEED, URGENCIES, NextStep, Outcome, TriageSettings, assess,
    contradictions, urgency_rank)
from services.council.workdays import england_and_wales

D = dt.date
TODAY = D(2026, 12, 2)  # Wednesday
CAL = england_and_wales(range(2025, 2029))
SETTINGS = TriageSettings()

# Someone at home who has not been asked to leave, with no other factor.
BASE = {
    "route": "self", "sleep_tonight": "own_home", "risk_of_violence": "no",
    "asked_to_leave": "no", "reason": "relationship_breakdown", "applicant_age": 34,
    "other_adults": 1, "pregnant": "no", "dependent_children": 0, "health": ["none"],
    "background": ["none"], "local_connection": ["live"], "consent_to_share": "yes",
    "contact_channel": "none",
}


def days(n):
    return (TODAY + dt.timedelta(days=n)).isoformat()


def asked(how, leave_in, served=None, **more):
    extra = {"asked_to_leave": "yes", "how_asked": how, "leave_date": days(leave_in), **more}
    if how in ("section_21", "section_8"):
        extra["notice_served_on"] = served or days(-30)
    return extra


def outcome(today=TODAY, **changes):
    answers = {**BASE, **changes}
    if answers["sleep_tonight"] not in ("own_home", "with_others"):
        answers.pop("asked_to_leave")
    return assess(answers, today, CAL, SETTINGS)


def codes(got):
    return [r.code for r in got.reasons]


# (changes, urgency, duty, priority need, reason to believe, reason codes)
PATHS = [
    ({"sleep_tonight": "rough"}, "emergency", "relief", (), False, ["sleeping_rough"]),
    ({"sleep_tonight": "nowhere"}, "emergency", "relief", (), False, ["nowhere_tonight"]),
    ({"sleep_tonight": "car"}, "emergency", "relief", (), False, ["sleeping_in_vehicle"]),
    ({"sleep_tonight": "sofa_surfing"}, "high", "relief", (), False, ["sofa_surfing"]),
    ({"sleep_tonight": "hostel_or_refuge"}, "high", "relief", (), False, ["hostel_or_refuge"]),
    # Domestic abuse with no other factor: unsafe at home counts as homeless now.
    ({"risk_of_violence": "yes", "reason": "domestic_abuse"}, "emergency", "relief",
     ("domestic_abuse",), True,
     ["risk_of_violence", "priority_domestic_abuse", "reason_to_believe"]),
    # Violence or abuse of any kind, whatever the stated reason.
    ({"risk_of_violence": "yes"}, "emergency", "relief", ("domestic_abuse",), True,
     ["risk_of_violence", "priority_domestic_abuse", "reason_to_believe"]),
    # Domestic abuse as the reason, but safe where they are: not homeless.
    ({"reason": "domestic_abuse"}, "advice", "none", ("domestic_abuse",), False,
     ["not_asked_to_leave", "priority_domestic_abuse"]),
    # No notice: advice.
    ({}, "advice", "none", (), False, ["not_asked_to_leave"]),
    # Family or friends can make you leave without a court order.
    ({"sleep_tonight": "with_others", **asked("family_or_friends", -1)}, "high", "relief", (),
     False, ["asked_to_leave_date_passed"]),
    ({"sleep_tonight": "with_others", **asked("family_or_friends", 0)}, "high", "relief", (),
     False, ["asked_to_leave_date_passed"]),
    ({**asked("other", -10)}, "high", "relief", (), False, ["asked_to_leave_date_passed"]),
    ({"sleep_tonight": "with_others", **asked("family_or_friends", 1)}, "standard",
     "prevention", (), False, ["leave_within_56_days"]),
    # A landlord or lender needs a court order: a passed date is still a threat.
    ({**asked("section_21", -3, served=days(-70))}, "standard", "prevention", (), False,
     ["notice_date_passed"]),
    ({**asked("section_8", -3)}, "standard", "prevention", (), False, ["notice_date_passed"]),
    ({**asked("repossession", -3)}, "standard", "prevention", (), False,
     ["notice_date_passed"]),
    ({**asked("section_21", 0, served=days(-61))}, "standard", "prevention", (), False,
     ["leave_within_56_days"]),
    # Asked to leave, but also unsafe: the risk decides, not the date.
    ({"risk_of_violence": "yes", **asked("section_21", 40, served=days(-30))}, "emergency",
     "relief", ("domestic_abuse",), True,
     ["risk_of_violence", "priority_domestic_abuse", "reason_to_believe"]),
    # Priority need on its own changes nothing but the reasons...
    ({"pregnant": "yes"}, "advice", "none", ("pregnancy",), False,
     ["not_asked_to_leave", "priority_pregnancy"]),
    # ...and with homelessness gives reason to believe.
    ({"sleep_tonight": "sofa_surfing", "pregnant": "yes"}, "high", "relief", ("pregnancy",),
     True, ["sofa_surfing", "priority_pregnancy", "reason_to_believe"]),
    ({"sleep_tonight": "rough", "dependent_children": 2, "children_ages": [3, 7]}, "emergency",
     "relief", ("dependent_children",), True,
     ["sleeping_rough", "priority_dependent_children", "reason_to_believe"]),
    ({"sleep_tonight": "hostel_or_refuge", "health": ["mental_health"]}, "high", "relief",
     ("vulnerability",), True,
     ["hostel_or_refuge", "priority_vulnerability", "reason_to_believe"]),
    ({"sleep_tonight": "rough", "background": ["armed_forces"]}, "emergency", "relief",
     ("vulnerability",), True, ["sleeping_rough", "priority_vulnerability", "reason_to_believe"]),
    ({"background": ["prison_release"]}, "advice", "none", ("vulnerability",), False,
     ["not_asked_to_leave", "priority_vulnerability"]),
    ({"background": ["hospital_discharge"]}, "advice", "none", ("vulnerability",), False,
     ["not_asked_to_leave", "priority_vulnerability"]),
    ({"sleep_tonight": "sofa_surfing", "background": ["care_leaver"], "applicant_age": 19},
     "high", "relief", ("care_leaver_under_21",), True,
     ["sofa_surfing", "priority_care_leaver", "reason_to_believe"]),
    ({"sleep_tonight": "sofa_surfing", "background": ["care_leaver"], "applicant_age": 21},
     "high", "relief", (), False, ["sofa_surfing"]),
    # 16 and 17 year olds: on their own, never below high.
    ({"applicant_age": 16, "other_adults": 0}, "high", "none", ("aged_16_17",), False,
     ["not_asked_to_leave", "priority_aged_16_17", "aged_16_17_alone"]),
    ({"applicant_age": 17, "other_adults": 0, **asked("family_or_friends", 30)}, "high",
     "prevention", ("aged_16_17",), False,
     ["leave_within_56_days", "priority_aged_16_17", "aged_16_17_alone"]),
    ({"applicant_age": 16, "other_adults": 0, "sleep_tonight": "rough"}, "emergency", "relief",
     ("aged_16_17",), True,
     ["sleeping_rough", "priority_aged_16_17", "reason_to_believe", "aged_16_17_alone"]),
    ({"applicant_age": 17, "other_adults": 1}, "advice", "none", ("aged_16_17",), False,
     ["not_asked_to_leave", "priority_aged_16_17"]),
    ({"applicant_age": 18, "other_adults": 0}, "advice", "none", (), False,
     ["not_asked_to_leave"]),
    # Everything at once, in PRIORITY_NEED order.
    ({"sleep_tonight": "nowhere", "risk_of_violence": "yes", "pregnant": "yes",
      "dependent_children": 1, "children_ages": [2], "health": ["disability"],
      "background": ["care_leaver", "armed_forces"], "applicant_age": 17, "other_adults": 0},
     "emergency", "relief", PRIORITY_NEED, True,
     ["nowhere_tonight", "risk_of_violence", "priority_pregnancy",
      "priority_dependent_children", "priority_vulnerability", "priority_domestic_abuse",
      "priority_aged_16_17", "priority_care_leaver", "reason_to_believe", "aged_16_17_alone"]),
]


@pytest.mark.parametrize("changes, urgency, duty, need, believe, reason_codes", PATHS)
def test_outcome_paths(changes, urgency, duty, need, believe, reason_codes):
    got = outcome(**changes)
    assert (got.urgency, got.duty, got.priority_need, got.reason_to_believe) == \
        (urgency, duty, need, believe)
    assert codes(got) == reason_codes
    assert got.appointment_type == SETTINGS.appointment_type(urgency)


def test_every_urgency_and_duty_is_reached():
    reached = {(outcome(**c).urgency, outcome(**c).duty) for c, *_ in PATHS}
    assert {u for u, _ in reached} == set(URGENCIES)
    assert {d for _, d in reached} == set(DUTIES)


@pytest.mark.parametrize("leave_in, duty, urgency, code", [
    (55, "prevention", "standard", "leave_within_56_days"),
    (56, "prevention", "standard", "leave_within_56_days"),
    (57, "none", "advice", "leave_after_56_days"),
])
@pytest.mark.parametrize("how", ["section_21", "section_8", "family_or_friends",
                                 "repossession", "other"])
def test_56_days(leave_in, duty, urgency, code, how):
    # A section 21 notice given 100 days ago is long enough to be valid.
    got = outcome(**asked(how, leave_in, served=days(-100)))
    assert (got.duty, got.urgency) == (duty, urgency)
    assert codes(got) == [code]
    assert got.notice_expires_on == TODAY + dt.timedelta(days=leave_in)


def test_the_56_day_reasons_say_how_long_is_left():
    within = outcome(**asked("section_8", 56)).reasons[0].text
    assert "Wednesday 27 January 2027, which is in 56 days" in within
    assert "within 56 days" in within and "threatened with homelessness" in within
    after = outcome(**asked("section_8", 57)).reasons[0].text
    assert "Thursday 28 January 2027, which is in 57 days" in after
    assert "more than 56 days away" in after
    assert "which is tomorrow" in outcome(**asked("section_8", 1)).reasons[0].text


def test_a_passed_notice_date_while_still_at_home():
    got = outcome(**asked("section_21", -3, served=days(-70)))
    assert got.duty == "prevention"
    assert got.notice_expires_on == D(2026, 11, 29)
    text = got.reasons[0].text
    assert "Sunday 29 November 2026" in text and "has passed" in text
    assert "You do not have to leave until a court orders it" in text


def test_a_prevention_days_setting_moves_the_boundary_but_not_the_codes():
    short = TriageSettings(prevention_days=28)
    got = assess({**BASE, **asked("section_8", 29)}, TODAY, CAL, short)
    assert (got.duty, codes(got)) == ("none", ["leave_after_56_days"])
    assert "more than 28 days away" in got.reasons[0].text


@pytest.mark.parametrize("served, leave, flagged", [
    ("2026-11-01", "2026-12-31", True),    # a day short of two months
    ("2026-11-01", "2027-01-01", False),   # exactly two months
    ("2026-10-31", "2026-12-30", True),
    ("2026-10-31", "2026-12-31", False),
    ("2026-12-31", "2027-02-27", True),    # two months from 31 December is 28 February
    ("2026-12-31", "2027-02-28", False),
])
def test_a_section_21_with_less_than_two_months(served, leave, flagged):
    answers = {**BASE, "asked_to_leave": "yes", "how_asked": "section_21",
               "notice_served_on": served, "leave_date": leave}
    got = assess(answers, TODAY, CAL, SETTINGS)
    assert ("notice_may_be_invalid" in codes(got)) is flagged


def test_a_short_section_21_is_still_prevention():
    got = outcome(**asked("section_21", 30, served=days(-10)))
    assert (got.duty, got.urgency) == ("prevention", "standard")
    assert codes(got) == ["leave_within_56_days", "notice_may_be_invalid"]
    assert "may not be valid" in got.reasons[1].text


def test_only_a_section_21_is_checked_for_two_months():
    assert "notice_may_be_invalid" not in codes(outcome(**asked("section_8", 14,
                                                               served=days(-1))))


@pytest.mark.parametrize("changes, respond_by, within", [
    ({"sleep_tonight": "rough"}, D(2026, 12, 2), 0),
    ({"sleep_tonight": "sofa_surfing"}, D(2026, 12, 4), 2),
    (asked("section_21", 30), D(2026, 12, 9), 5),
    ({}, D(2026, 12, 16), 10),
])
def test_respond_by_counts_working_days(changes, respond_by, within):
    got = outcome(**changes)
    assert got.respond_by == respond_by
    assert got.next_step.within_working_days == within


# Thursday 24 December 2026: Christmas Day (Friday), the Boxing Day
# substitute (Monday 28th) and New Year's Day (Friday 1 January) are bank
# holidays.
@pytest.mark.parametrize("changes, respond_by", [
    ({"sleep_tonight": "rough"}, D(2026, 12, 24)),
    ({"sleep_tonight": "sofa_surfing"}, D(2026, 12, 30)),
    (asked("section_21", 30, served="2026-10-01"), D(2027, 1, 5)),
    ({}, D(2027, 1, 12)),
])
def test_bank_holidays_move_respond_by(changes, respond_by):
    christmas_eve = D(2026, 12, 24)
    assert [d for d in (D(2026, 12, 25), D(2026, 12, 28), D(2027, 1, 1))
            if CAL.is_bank_holiday(d)] == [D(2026, 12, 25), D(2026, 12, 28), D(2027, 1, 1)]
    got = outcome(today=christmas_eve, **changes)
    assert got.respond_by == respond_by


def test_emergency_on_a_weekend_is_still_today():
    saturday = D(2026, 12, 5)
    assert outcome(today=saturday, sleep_tonight="rough").respond_by == saturday


@pytest.mark.parametrize("changes, ends", [
    ({"sleep_tonight": "rough"}, D(2027, 1, 27)),
    (asked("section_8", 20), D(2027, 1, 27)),
    ({}, None),
])
def test_the_duty_lasts_56_days(changes, ends):
    assert outcome(**changes).duty_ends_on == ends


def test_notice_expires_only_when_asked_to_leave():
    assert outcome().notice_expires_on is None
    assert outcome(sleep_tonight="rough").notice_expires_on is None
    assert outcome(**asked("section_8", 20)).notice_expires_on == D(2026, 12, 22)


# --- Next steps -------------------------------------------------------------

def test_emergency_says_to_call_today_and_out_of_hours():
    step = outcome(sleep_tonight="rough").next_step
    assert (step.code, step.phone, step.within_working_days) == \
        ("call_today", "020 7946 0000", 0)
    assert "Call us today on 020 7946 0000" in step.text
    assert "After 5pm, at weekends or on bank holidays, call 020 7946 0999" in step.text
    assert "999." not in step.text.replace("0999.", "")


def test_someone_at_risk_is_told_to_call_999_first():
    step = outcome(risk_of_violence="yes").next_step
    assert step.text.startswith("If you are in immediate danger, call 999.")


@pytest.mark.parametrize("changes, text", [
    ({"sleep_tonight": "sofa_surfing"},
     "by Friday 4 December 2026. This is within 2 working days"),
    (asked("section_8", 20), "by Wednesday 9 December 2026. This is within 5 working days"),
])
def test_book_an_appointment_by_a_date(changes, text):
    step = outcome(**changes).next_step
    assert step.code == "book_appointment"
    assert text in step.text


def test_a_one_day_target_is_singular():
    settings = TriageSettings(respond_working_days={"emergency": 0, "high": 1, "standard": 5,
                                                    "advice": 10})
    answers = {**BASE, "sleep_tonight": "sofa_surfing"}
    del answers["asked_to_leave"]
    step = assess(answers, TODAY, CAL, settings).next_step
    assert "within 1 working day." in step.text


def test_advice_points_to_self_help():
    got = outcome()
    assert got.next_step.code == "self_help"
    assert got.next_step.links == SETTINGS.advice_links
    assert all(href.startswith("https://") for _, href in got.next_step.links)
    assert "Wednesday 16 December 2026" in got.next_step.text
    assert got.appointment_type is None


def test_reasons_do_not_repeat_health_details():
    got = outcome(sleep_tonight="rough", health=["mental_health", "learning_disability"])
    text = next(r.text for r in got.reasons if r.code == "priority_vulnerability")
    assert "someone in your household has a health condition or disability" in text
    assert "mental" not in text and "learning" not in text


def test_reasons_speak_to_the_person():
    for changes, *_ in PATHS:
        for reason in outcome(**changes).reasons:
            assert "You " in reason.text or "you " in reason.text, reason.code
            assert reason.text.endswith("."), reason.code


# --- The outcome as stored ------------------------------------------------------

def test_to_dict_is_json_native_and_round_trips():
    got = outcome(**asked("section_21", 30, served=days(-10)), dependent_children=1,
                  children_ages=[4])
    data = got.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["respond_by"] == "2026-12-09"
    assert data["notice_expires_on"] == "2027-01-01"
    assert data["duty_ends_on"] == "2027-01-27"
    assert data["priority_need"] == ["dependent_children"]
    assert data["next_step"]["code"] == "book_appointment"
    assert data["reasons"][0] == {"code": "leave_within_56_days", "text": got.reasons[0].text}
    assert Outcome.from_dict(data) == got


def test_advice_links_are_dicts_in_the_stored_form():
    links = outcome().to_dict()["next_step"]["links"]
    assert links[0] == {"text": SETTINGS.advice_links[0][0], "href": SETTINGS.advice_links[0][1]}
    assert NextStep.from_dict(outcome().to_dict()["next_step"]) == outcome().next_step


def test_settings_are_frozen_and_hashable():
    custom = TriageSettings(respond_working_days={"advice": 15, "standard": 5, "high": 2,
                                                  "emergency": 0})
    assert custom.respond_working_days == (("emergency", 0), ("high", 2), ("standard", 5),
                                           ("advice", 15))
    assert hash(custom) and hash(SETTINGS)
    assert SETTINGS.appointment_type("emergency") == "housing_emergency"
    with pytest.raises(ValueError, match="for each of"):
        TriageSettings(respond_working_days={"emergency": 0})
    with pytest.raises(ValueError):
        TriageSettings(respond_working_days={"emergency": 0, "high": -1, "standard": 5,
                                             "advice": 10})


def test_incomplete_answers_are_refused_not_guessed():
    answers = {**BASE, "asked_to_leave": "yes"}
    with pytest.raises(ValueError, match="missing: how_asked, leave_date"):
        assess(answers, TODAY, CAL)
    with pytest.raises(ValueError, match="sleep_tonight"):
        assess({k: v for k, v in BASE.items() if k != "sleep_tonight"}, TODAY, CAL)


def test_urgency_rank():
    assert [urgency_rank(u) for u in URGENCIES] == [0, 1, 2, 3]
    assert sorted(["advice", "emergency", "standard", "high"], key=urgency_rank) == \
        list(URGENCIES)
    with pytest.raises(ValueError):
        urgency_rank("whenever")


# --- Contradictions ------------------------------------------------------------

@pytest.mark.parametrize("changes, question, text", [
    ({"asked_to_leave": "yes", "how_asked": "section_21", "notice_served_on": "2026-11-20",
      "leave_date": "2026-11-19"}, "leave_date",
     "The date you must leave by must be the same as or after the date you were given the "
     "notice, Friday 20 November 2026"),
    ({"dependent_children": 2, "children_ages": [4]}, "children_ages",
     "You said 2 children depend on you but gave 1 age"),
    ({"dependent_children": 1, "children_ages": [4, 6]}, "children_ages",
     "You said 1 child depends on you but gave 2 ages"),
    ({"dependent_children": 3, "children_ages": [1, 4]}, "children_ages",
     "You said 3 children depend on you but gave 2 ages"),
    ({"asked_to_leave": "yes", "how_asked": "section_21", "reason": "mortgage_arrears"},
     "reason", "You said your landlord gave you a section 21 notice, so the main reason "
               "cannot be mortgage arrears. Select another reason, or change how you were "
               "asked to leave"),
    ({"asked_to_leave": "yes", "how_asked": "section_8", "reason": "mortgage_arrears"},
     "reason", "You said your landlord gave you a section 8 notice, so the main reason "
               "cannot be mortgage arrears. Select another reason, or change how you were "
               "asked to leave"),
    ({"asked_to_leave": "yes", "how_asked": "repossession", "reason": "rent_arrears"},
     "reason", "You said your mortgage lender is repossessing your home, so the main reason "
               "cannot be rent arrears. Select another reason, or change how you were asked "
               "to leave"),
    ({"asked_to_leave": "yes", "how_asked": "repossession",
      "reason": "end_of_private_tenancy"}, "reason",
     "You said your mortgage lender is repossessing your home, so the main reason cannot be "
     "your private tenancy ending. Select another reason, or change how you were asked to "
     "leave"),
    ({"route": "referral", "referral_consent": "no"}, "referral_consent",
     "You must have the person's consent to refer them"),
])
def test_each_contradiction(changes, question, text):
    errors = contradictions({**BASE, **changes}, TODAY)
    assert [(e.question_id, e.message) for e in errors] == [(question, text)]


@pytest.mark.parametrize("changes", [
    {},
    {"asked_to_leave": "yes", "how_asked": "section_21", "notice_served_on": "2026-11-20",
     "leave_date": "2026-11-20"},
    {"dependent_children": 2, "children_ages": [4, 9]},
    {"asked_to_leave": "yes", "how_asked": "repossession", "reason": "mortgage_arrears"},
    {"asked_to_leave": "yes", "how_asked": "section_8", "reason": "rent_arrears"},
    {"route": "referral", "referral_consent": "yes"},
])
def test_answers_that_agree(changes):
    assert contradictions({**BASE, **changes}, TODAY) == []
