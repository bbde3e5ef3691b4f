"""Case lifecycle rules and what an anonymised case keeps."""
import datetime as dt
import json

import pytest

from services.housing.domain.cases import (
    CLOSE_OUTCOMES, PLAN_PARTIES, Assignment, Case, age_band, retained_for_statistics)
from services.housing.domain.triage import assess
from services.kit.rules import RuleBroken
from services.council.workdays import england_and_wales


def case(status="open", assigned_to=None, **fields):
    return Case(id=None, reference="HL-TEST", status=status, assigned_to=assigned_to,
                **fields)


@pytest.mark.parametrize("status, assigned_to, staff, take_over, result", [
    ("open", None, "cw-1", False, Assignment(True, None)),
    ("open", "cw-1", "cw-1", False, Assignment(False, "cw-1")),
    ("open", "cw-1", "cw-1", True, Assignment(False, "cw-1")),
    ("open", "cw-2", "cw-1", True, Assignment(True, "cw-2")),
    ("open", None, "cw-1", True, Assignment(True, None)),
])
def test_assign(status, assigned_to, staff, take_over, result):
    assert case(status, assigned_to).assign(staff, take_over=take_over) == result


def test_someone_else_has_it():
    refused = case("open", "cw-2").assign("cw-1")
    assert isinstance(refused, RuleBroken)
    assert (refused.code, refused.conflict) == ("already_assigned", True)
    assert refused.reason == ("Another caseworker has this case. Take it over to assign "
                              "it to yourself.")


@pytest.mark.parametrize("assigned_to, take_over", [(None, False), ("cw-1", False),
                                                    ("cw-2", True)])
def test_a_closed_case_cannot_be_assigned(assigned_to, take_over):
    refused = case("closed", assigned_to).assign("cw-1", take_over=take_over)
    assert refused == RuleBroken("case_closed", "This case is closed.")


def test_assign_needs_someone():
    with pytest.raises(ValueError):
        case().assign("")


@pytest.mark.parametrize("outcome", list(CLOSE_OUTCOMES))
def test_every_close_outcome_is_accepted(outcome):
    assert case().close_refused(outcome) is None


def test_close_rules():
    assert case("closed").close_refused("advice_given") == \
        RuleBroken("case_closed", "This case is already closed.")
    assert case().close_refused("sorted").code == "unknown_outcome"


def test_notes_and_plan_steps():
    assert case().note_refused() is None
    assert case(anonymised_at=dt.datetime(2026, 1, 1)).note_refused().code == \
        "case_anonymised"
    assert case("closed").plan_step_refused().reason == "This case is closed."
    assert case("open", "cw-1").plan_step_refused() is None


@pytest.mark.parametrize("status, assigned_to, shown", [
    ("open", None, "open"), ("open", "cw-1", "assigned"), ("closed", "cw-1", "closed")])
def test_shown_status(status, assigned_to, shown):
    assert case(status, assigned_to).shown_status == shown


@pytest.mark.parametrize("answers, contact", [
    (None, None),
    ({"contact_channel": "none", "contact_email": "a@example.com"}, None),
    ({"contact_channel": "email"}, None),
    ({"contact_channel": "email", "contact_email": "a@example.com"},
     {"email": "a@example.com", "phone": None, "preferred": "email",
      "safe_channel_only": False}),
    ({"contact_channel": "phone", "contact_phone": "07700900982"},
     {"email": None, "phone": "07700900982", "preferred": "none",
      "safe_channel_only": False}),
    ({"contact_channel": "sms", "contact_phone": "07700900982", "risk_of_violence": "yes"},
     {"email": None, "phone": "07700900982", "preferred": "sms",
      "safe_channel_only": True}),
])
def test_contact_channel_rules(answers, contact):
    assert case(answers=answers).contact() == contact


def test_an_anonymised_case_has_no_contact():
    answers = {"contact_channel": "email", "contact_email": "a@example.com"}
    assert case(answers=answers, anonymised_at=dt.datetime(2026, 1, 1)).contact() is None


def test_a_case_from_a_queue_row_takes_its_id_from_case_id():
    row = {"case_id": "c-1", "reference": "HL-1", "status": "open", "assigned_to": None,
           "escalations": []}
    assert Case.from_row(row).id == "c-1"


def test_close_outcomes_and_plan_parties():
    assert list(CLOSE_OUTCOMES) == [
        "homelessness_prevented", "homelessness_relieved", "main_duty_accepted",
        "not_homeless", "not_eligible", "intentionally_homeless", "no_contact", "withdrawn",
        "advice_given", "referred_to_another_council"]
    assert all(label and label[0].isupper() for label in CLOSE_OUTCOMES.values())
    with pytest.raises(TypeError):
        CLOSE_OUTCOMES["made_up"] = "Made up"
    assert PLAN_PARTIES == ("council", "applicant")


@pytest.mark.parametrize("age, band", [
    (16, "16-17"), (17, "16-17"), (18, "18-24"), (24, "18-24"), (25, "25-34"),
    (34, "25-34"), (35, "35-49"), (49, "35-49"), (50, "50-64"), (64, "50-64"),
    (65, "65+"), (120, "65+"), (None, None),
])
def test_age_bands(age, band):
    assert age_band(age) == band


# A referral with every kind of personal detail in it.
REFERRAL = {
    "route": "referral", "referrer_organisation": "HMP Exampleton",
    "referrer_email": "officer.name@justice.example.gov.uk", "referral_consent": "yes",
    "sleep_tonight": "own_home", "risk_of_violence": "yes", "asked_to_leave": "yes",
    "how_asked": "section_21", "notice_served_on": "2026-10-19", "leave_date": "2026-12-21",
    "reason": "domestic_abuse", "applicant_age": 29, "other_adults": 1, "pregnant": "yes",
    "dependent_children": 2, "children_ages": [3, 11],
    "health": ["mental_health", "learning_disability"],
    "background": ["care_leaver", "prison_release"], "local_connection": ["live", "family"],
    "consent_to_share": "no", "contact_channel": "sms", "contact_phone": "07700900982",
    "safe_contact": "Only after 3pm. Do not leave voicemail, my ex checks my phone.",
}


def test_statistics_keep_codes_and_counts_only():
    outcome = assess(REFERRAL, dt.date(2026, 12, 2), england_and_wales([2026, 2027]))
    kept = retained_for_statistics(REFERRAL, outcome.to_dict())
    assert kept == {
        "route": "referral", "sleep_tonight": "own_home", "reason": "domestic_abuse",
        "how_asked": "section_21", "household_size": 4, "pregnant": True,
        "age_band": "25-34", "health_or_disability": True,
        "background": ["care_leaver", "prison_release"],
        "local_connection": ["live", "family"],
        "urgency": "emergency", "duty": "relief",
        "priority_need": ["pregnancy", "dependent_children", "vulnerability",
                          "domestic_abuse"],
    }
    assert retained_for_statistics(REFERRAL, outcome) == kept


def test_statistics_hold_no_personal_data():
    outcome = assess(REFERRAL, dt.date(2026, 12, 2), england_and_wales([2026, 2027]))
    stored = json.dumps(retained_for_statistics(REFERRAL, outcome.to_dict()))
    for secret in ("HMP", "officer", "07700", "voicemail", "2026", "29", "mental",
                   "learning", "[3, 11]", "Only after"):
        assert secret not in stored
    for key in ("referrer_organisation", "referrer_email", "contact_phone", "safe_contact",
                "children_ages", "applicant_age", "leave_date", "notice_served_on", "health",
                "reasons", "respond_by"):
        assert f'"{key}"' not in stored


def test_statistics_for_a_household_of_one_without_health_conditions():
    answers = {"route": "self", "sleep_tonight": "rough", "risk_of_violence": "no",
               "reason": "other", "applicant_age": 67, "other_adults": 0, "pregnant": "no",
               "dependent_children": 0, "health": ["none"], "background": ["none"],
               "local_connection": ["none"]}
    kept = retained_for_statistics(answers, {"urgency": "emergency", "duty": "relief",
                                             "priority_need": []})
    assert (kept["household_size"], kept["pregnant"], kept["age_band"],
            kept["health_or_disability"], kept["how_asked"]) == (1, False, "65+", False, None)


def test_a_case_is_overdue_once_its_respond_by_day_has_passed_while_open():
    today = dt.date(2026, 12, 4)
    assert case(respond_by=dt.date(2026, 12, 3)).is_overdue(today)
    assert case(assigned_to="cw-1", respond_by=dt.date(2026, 12, 3)).is_overdue(today)
    assert not case(respond_by=dt.date(2026, 12, 4)).is_overdue(today)
    assert not case("closed", respond_by=dt.date(2026, 12, 3)).is_overdue(today)
    assert not case().is_overdue(today)
