"""What the notification service asks housing about a case at send time:
the person's own contact choice and the case's next step, nothing else."""
import uuid

import pytest
from nameko.exceptions import RemoteError

from tests.integration.housing.conftest import query, triage


def submitted_case(housing, housing_db, **overrides):
    reference = triage(housing, **overrides)["case"]["reference"]
    return str(query(housing_db, "SELECT id FROM cases WHERE reference = %s",
                     reference)[0]["id"]), reference


def test_an_email_contact_prefers_email_with_the_next_step(housing, housing_db):
    case_id, reference = submitted_case(housing, housing_db)

    facts = housing.notification_facts(case_id)

    assert facts["contact"] == {"email": "resident@example.com", "phone": None,
                                "preferred": "email", "safe_channel_only": False}
    assert facts["reference"] == reference and facts["urgency"] == "standard"
    assert facts["respond_by"] == "2026-03-10"
    assert facts["next_step_title"] and facts["next_step_text"]
    assert facts["phone"]
    assert facts["links"] == [{"kind": "case_status", "reference": reference, "code": None}]
    assert set(facts) == {"contact", "reference", "urgency", "respond_by", "next_step_title",
                          "next_step_text", "phone", "links"}


def test_at_risk_of_violence_only_the_chosen_channel_is_safe(housing, housing_db):
    case_id, _ = submitted_case(housing, housing_db, risk_of_violence="yes",
                                contact_channel="sms")

    contact = housing.notification_facts(case_id)["contact"]

    assert contact == {"email": None, "phone": "07700900123", "preferred": "sms",
                       "safe_channel_only": True}


def test_a_phone_call_preference_means_no_messages(housing, housing_db):
    case_id, _ = submitted_case(housing, housing_db, contact_channel="phone")
    contact = housing.notification_facts(case_id)["contact"]
    assert contact["preferred"] == "none" and contact["phone"] == "07700900123"


def test_no_contact_wanted_means_no_contact(housing, housing_db):
    case_id, reference = submitted_case(housing, housing_db, contact_channel="none")
    facts = housing.notification_facts(case_id)
    assert facts["contact"] is None and facts["reference"] == reference


def test_an_unknown_case_is_not_found(housing):
    with pytest.raises(RemoteError) as err:
        housing.notification_facts(str(uuid.uuid4()))
    assert err.value.exc_type == "CaseNotFound"
    with pytest.raises(RemoteError) as err:
        housing.notification_facts("not-a-case")
    assert err.value.exc_type == "ValidationError"
