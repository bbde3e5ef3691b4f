"""The triage as a person answers it: saved answer by answer, resumable with
a code, submitted once into a case that is announced exactly once."""
import json

import pytest
from nameko.exceptions import RemoteError

from tests.integration.housing.conftest import CLOCK, answered, query


def remote_fields(call):
    with pytest.raises(RemoteError) as err:
        call()
    assert err.value.exc_type == "ValidationError"
    return err.value.value


def complete(housing, **overrides):
    code, view = answered(housing, **overrides)
    assert view["complete"] is True
    return code


def test_a_triage_is_saved_and_resumed_with_its_code(housing):
    started = housing.start_triage()
    code = started["code"]
    assert started["triage"]["next_question"] == "route"
    housing.answer_triage(code, "route", "self")
    housing.answer_triage(code, "sleep_tonight", "own_home")

    # a different device, later: only the code
    CLOCK.advance(days=3)
    resumed = housing.get_triage(code.lower().replace("-", " "))
    assert resumed["answers"] == {"route": "self", "sleep_tonight": "own_home"}
    assert resumed["next_question"] == "risk_of_violence"
    assert resumed["complete"] is False


def test_a_bad_answer_names_the_question_and_saves_nothing(housing, housing_db):
    code = housing.start_triage()["code"]
    housing.answer_triage(code, "route", "self")
    message = remote_fields(lambda: housing.answer_triage(code, "sleep_tonight", "moon"))
    assert "sleep_tonight" in message
    assert housing.get_triage(code)["answers"] == {"route": "self"}
    # a question that does not apply yet is refused too
    assert "referrer_email" in remote_fields(
        lambda: housing.answer_triage(code, "referrer_email", "x@example.com"))


def test_answers_that_no_longer_apply_are_dropped(housing):
    code = housing.start_triage()["code"]
    housing.answer_triage(code, "route", "referral")
    housing.answer_triage(code, "referrer_organisation", "HMP Example")
    view = housing.answer_triage(code, "route", "self")
    assert "referrer_organisation" not in view["answers"]
    assert "referrer_organisation" not in view["asked"]


def test_an_unknown_code_is_not_found(housing):
    with pytest.raises(RemoteError) as err:
        housing.get_triage("AAAA-BBBB-CCCC")
    assert err.value.exc_type == "TriageNotFound"


def test_submitting_publishes_case_triaged_once_without_personal_data(housing, listen,
                                                                      housing_db):
    triaged = listen("CaseTriaged")
    code = complete(housing)

    first = housing.submit_triage(code)
    again = housing.submit_triage(code)

    assert first["created"] is True and again["created"] is False
    assert again["secret"] == first["secret"]
    case = first["case"]
    assert case["reference"].startswith("HL-")
    assert (case["urgency"], case["duty"]) == ("standard", "prevention")
    assert case["priority_need"] == ["dependent_children"]
    assert case["key_dates"]["respond_by"] == "2026-03-10"  # 5 working days
    got = triaged.collect(1, settle=0.5)
    assert len(got) == 1
    data = got[0].payload["data"]
    assert data["reference"] == case["reference"]
    assert data["urgency"] == "standard" and data["duty"] == "prevention"
    assert data["appointment_type"] == "housing_options"
    text = json.dumps(got[0].payload)
    for personal in ("resident@example.com", "07700", "Weekday mornings", "section_21",
                     "end_of_private_tenancy"):
        assert personal not in text
    stored = query(housing_db, "SELECT answers, secret_sha256 FROM cases")[0]
    assert stored["answers"]["contact_email"] == "resident@example.com"
    assert first["secret"].encode() not in bytes(stored["secret_sha256"])
    # the draft no longer holds the answers
    assert query(housing_db, "SELECT answers FROM drafts")[0]["answers"] == {}


def test_missing_and_contradicting_answers_are_refused_by_name(housing, listen):
    triaged = listen("CaseTriaged")
    code = housing.start_triage()["code"]
    housing.answer_triage(code, "route", "self")
    assert "sleep_tonight" in remote_fields(lambda: housing.submit_triage(code))

    code = complete(housing, dependent_children=2, children_ages="4")
    message = remote_fields(lambda: housing.submit_triage(code))
    assert "children_ages" in message
    assert triaged.collect(1, timeout=0.5) == []


def test_the_person_sees_their_case_with_the_secret_only(housing):
    submitted = housing.submit_triage(complete(housing, sleep_tonight="rough"))
    reference, secret = submitted["case"]["reference"], submitted["secret"]

    status = housing.case_status(reference.lower(), secret)
    assert status["urgency"] == "emergency" and status["duty"] == "relief"
    assert status["next_step"]["code"] == "call_today"
    assert status["key_dates"]["respond_by"] == "2026-03-03"
    assert "notes" not in status
    for wrong in (("HL-AAAA-00", secret), (reference, "AAAA-AAAA-AAAA")):
        with pytest.raises(RemoteError) as err:
            housing.case_status(*wrong)
        assert err.value.exc_type == "CaseNotFound"


def test_a_referral_records_the_referrer(housing, housing_db):
    code = complete(housing, route="referral")
    reference = housing.submit_triage(code)["case"]["reference"]
    row = query(housing_db, "SELECT route, answers FROM cases WHERE reference = %s",
                reference)[0]
    assert row["route"] == "referral"
    assert row["answers"]["referrer_organisation"] == "HMP Example"
    assert row["answers"]["referral_consent"] == "yes"


def test_a_rolled_back_submission_publishes_nothing(housing, listen, housing_db):
    triaged = listen("CaseTriaged")
    code = complete(housing)
    # break the clocks table on purpose: the case insert must roll back with it
    query(housing_db, "ALTER TABLE clocks ADD CONSTRAINT no_clocks CHECK (false) NOT VALID")
    try:
        with pytest.raises(RemoteError):
            housing.submit_triage(code)
    finally:
        query(housing_db, "ALTER TABLE clocks DROP CONSTRAINT no_clocks")
    assert query(housing_db, "SELECT count(*) AS n FROM cases")[0]["n"] == 0
    assert query(housing_db, "SELECT count(*) AS n FROM outbox")[0]["n"] == 0
    assert triaged.collect(1, timeout=0.5) == []
    # and the person can still send it
    assert housing.submit_triage(code)["created"] is True
