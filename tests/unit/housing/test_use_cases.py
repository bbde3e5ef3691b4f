"""The housing use cases (services/housing/app.py) without a database: an
in-memory store and a fake outbox, at fixed times."""
import datetime as dt
import uuid

import pytest
from marshmallow import ValidationError

from services.housing import app
from services.housing.errors import AuditForbidden, CaseNotFound
from services.housing.contract import CATALOGUE
from services.housing.settings import HousingSettings
from tests.support.fake_uow import FakeUnitOfWork, refused
from tests.support.housing_answers import answer_all, ordinary_answers
from tests.unit.housing.fake_store import FakeHousingStore

UTC = dt.timezone.utc
SETTINGS = HousingSettings(secret_key=b"k" * 32)
FORMS = app.Questionnaires(SETTINGS.questionnaire_dir)
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday morning
TODAY = NOW.date()


@pytest.fixture
def store():
    return FakeHousingStore()


@pytest.fixture
def uow(store):
    return FakeUnitOfWork(store, CATALOGUE)


def triaged(uow, **overrides):
    """A submitted triage of the ordinary answers, changed by `overrides`:
    (the submission's answer, its case id)."""
    started = app.start_triage(uow, SETTINGS, FORMS, NOW)
    code = started["code"]

    def answer(question, value):
        return app.answer_triage(uow, SETTINGS, FORMS, NOW, code, question, value)

    answer_all(answer, started["triage"], ordinary_answers(TODAY, **overrides))
    submitted = app.submit_triage(uow, SETTINGS, FORMS, NOW, code)
    case_id = uuid.UUID(uow.published("CaseTriaged")[-1]["case_id"])
    return code, submitted, case_id


def actions(store, case_id):
    return [e["action"] for e in store.audit_log if e["case_id"] == case_id]


def live_clocks(store, case_id):
    return {c["kind"] for c in store.clocks_of(case_id)
            if c["fired_at"] is None and c["cancelled_at"] is None}

# -- the triage ------------------------------------------------------------------


def test_a_finished_triage_becomes_a_case(store, uow):
    code, submitted, case_id = triaged(uow)

    assert submitted["created"] is True
    case = submitted["case"]
    assert (case["status"], case["urgency"], case["duty"]) == \
        ("open", "standard", "prevention")
    [event] = uow.published("CaseTriaged")
    assert event["reference"] == case["reference"] and event["urgency"] == "standard"
    assert live_clocks(store, case_id) >= {"respond_by_passed"}
    assert app.case_status(store, case["reference"], submitted["secret"]) == case


def test_a_case_is_not_found_with_a_wrong_secret(store, uow):
    _, submitted, _ = triaged(uow)
    with pytest.raises(CaseNotFound):
        app.case_status(store, submitted["case"]["reference"], "WRONG-SECRET")


def test_submitting_twice_gives_back_the_same_case(uow):
    code, first, _ = triaged(uow)
    again = app.submit_triage(uow, SETTINGS, FORMS, NOW, code)
    assert again["created"] is False
    assert (again["secret"], again["case"]) == (first["secret"], first["case"])
    assert len(uow.published("CaseTriaged")) == 1


def test_a_sent_form_takes_no_more_answers(uow):
    code, _, _ = triaged(uow)
    error = refused(app.answer_triage, uow, SETTINGS, FORMS, NOW, code, "route", "self")
    assert error.code == "already_submitted"
    assert error.reason == "This form has been sent. Use your case reference to check it."

# -- caseworkers -------------------------------------------------------------------


def test_a_caseworker_takes_a_case(store, uow):
    _, _, case_id = triaged(uow)

    item = app.assign_case(uow, NOW, "cw-1", "caseworker", case_id)

    assert (item["status"], item["assigned_to"]) == ("assigned", "cw-1")
    [event] = uow.published("CaseAssigned")
    assert event["caseworker_id"] == "cw-1" and event["previous_caseworker_id"] is None
    assert "respond_by_passed" not in live_clocks(store, case_id)
    assert actions(store, case_id) == ["assign"]
    app.assign_case(uow, NOW, "cw-1", "caseworker", case_id)
    assert len(uow.published("CaseAssigned")) == 1


def test_a_colleagues_case_is_taken_over_only_on_purpose(store, uow):
    _, _, case_id = triaged(uow)
    app.assign_case(uow, NOW, "cw-1", "caseworker", case_id)

    error = refused(app.assign_case, uow, NOW, "cw-2", "caseworker", case_id)
    assert (error.code, error.conflict) == ("already_assigned", True)

    item = app.assign_case(uow, NOW, "cw-2", "caseworker", case_id, take_over=True)
    assert item["assigned_to"] == "cw-2"
    assert uow.published("CaseAssigned")[-1]["previous_caseworker_id"] == "cw-1"
    assert actions(store, case_id) == ["assign", "take_over"]


def test_a_closed_case_takes_no_more_work(store, uow):
    _, _, case_id = triaged(uow)

    item = app.close_case(uow, NOW, "cw-1", "caseworker", case_id, "advice_given",
                          note="Advised on private renting.")

    assert item["status"] == "closed"
    [event] = uow.published("CaseClosed")
    assert (event["outcome"], event["closed_by"]) == ("advice_given", "cw-1")
    assert live_clocks(store, case_id) == set()
    assert [n["text"] for n in store.notes(case_id)] == ["Advised on private renting."]
    assert refused(app.close_case, uow, NOW, "cw-1", "caseworker", case_id,
                   "withdrawn").reason == "This case is already closed."
    assert refused(app.assign_case, uow, NOW, "cw-2", "caseworker",
                   case_id).reason == "This case is closed."
    assert refused(app.add_plan_step, uow, NOW, "cw-1", "caseworker", case_id, "council",
                   "Call the landlord").code == "case_closed"
    assert len(uow.published("CaseClosed")) == 1


def test_a_case_closes_only_with_an_outcome_from_the_list(uow):
    _, _, case_id = triaged(uow)
    with pytest.raises(ValidationError) as caught:
        app.close_case(uow, NOW, "cw-1", "caseworker", case_id, "sorted")
    assert caught.value.messages == {"outcome": ["Choose an outcome from the list."]}
    assert uow.published("CaseClosed") == []


def test_an_anonymised_case_keeps_no_contact_and_takes_no_notes(store, uow):
    _, _, case_id = triaged(uow)
    app.close_case(uow, NOW, "cw-1", "caseworker", case_id, "advice_given")
    later = NOW + dt.timedelta(days=SETTINGS.retention_days + 1)

    assert app.anonymise_closed_cases(uow, SETTINGS, later) == 1

    assert store.cases[case_id]["answers"] is None
    assert app.notification_facts(store, SETTINGS, case_id)["contact"] is None
    error = refused(app.add_note, uow, later, "cw-1", "caseworker", case_id, "Hello")
    assert error.code == "case_anonymised"


def test_only_supervisors_read_the_audit_log(uow):
    with pytest.raises(AuditForbidden):
        app.read_audit(uow, NOW, "cw-1", "caseworker")

# -- messages and clocks -----------------------------------------------------------


@pytest.mark.parametrize("overrides, contact", [
    ({}, {"email": "resident@example.com", "phone": None, "preferred": "email",
          "safe_channel_only": False}),
    ({"contact_channel": "sms", "risk_of_violence": "yes"},
     {"email": None, "phone": "07700900123", "preferred": "sms", "safe_channel_only": True}),
    ({"contact_channel": "none"}, None),
])
def test_messages_go_only_where_the_person_said(store, uow, overrides, contact):
    _, _, case_id = triaged(uow, **overrides)
    facts = app.notification_facts(store, SETTINGS, case_id)
    assert facts["contact"] == contact


def test_an_unassigned_emergency_escalates_once(store, uow):
    _, submitted, case_id = triaged(uow, sleep_tonight="rough")
    assert submitted["case"]["urgency"] == "emergency"
    later = NOW + dt.timedelta(minutes=SETTINGS.clocks.emergency_unassigned_minutes)

    assert app.fire_due_clocks(uow, later) >= 1
    assert app.fire_due_clocks(uow, later) == 0

    clocks = [e["clock"] for e in uow.published("CaseEscalated")]
    assert clocks.count("emergency_unassigned") == 1


def test_an_assigned_emergency_does_not_escalate_for_being_unassigned(store, uow):
    _, _, case_id = triaged(uow, sleep_tonight="rough")
    app.assign_case(uow, NOW, "cw-1", "caseworker", case_id)
    later = NOW + dt.timedelta(minutes=SETTINGS.clocks.emergency_unassigned_minutes)
    app.fire_due_clocks(uow, later)
    assert "emergency_unassigned" not in [e["clock"] for e in uow.published("CaseEscalated")]
