"""A resident's contact details for a missed-bin report: kept with the
report, never in its events, and read back at send time by the notification
service through `notification_facts`."""
import json
import uuid

import pytest
from nameko.exceptions import RemoteError

from tests.integration.bins.conftest import CLOCK, pick, query

EMAIL, PHONE, TYPED_PHONE = "sam@example.com", "+447700900123", "07700 900 123"
CONTACT_COLUMNS = "SELECT contact_email, contact_phone, contact_preferred FROM reports"


def test_contact_details_are_kept_and_given_back_but_never_announced(bins, borough, listen,
                                                                     bins_db):
    filed = listen("ReportFiled")
    uprn = pick(borough, "FOOD-0001")[0]

    answer = bins.file_report(uprn, "food", email=f" {EMAIL} ", phone=TYPED_PHONE,
                              preferred="sms", channel="web")

    assert answer["created"] is True
    report = answer["report"]
    assert query(bins_db, CONTACT_COLUMNS) == [
        {"contact_email": EMAIL, "contact_phone": PHONE, "contact_preferred": "sms"}]
    # the answer to the filer does not repeat them
    assert EMAIL not in json.dumps(answer) and PHONE not in json.dumps(answer)

    facts = bins.notification_facts(report["id"])

    assert facts["contact"] == {"email": EMAIL, "phone": PHONE, "preferred": "sms",
                                "safe_channel_only": False}
    assert facts["reference"] == report["reference"]
    assert (facts["service"], facts["service_name"]) == ("food", "food waste")
    assert facts["collection_date"] == "2026-03-02"
    assert facts["due_by"] == "2026-03-05T00:00:00+00:00"
    assert (facts["status"], facts["outcome"], facts["reason"]) == ("open", None, None)
    # filed with no idempotency key: its random code is not kept, so the
    # link leads to the page that asks for it
    assert facts["links"] == [{"kind": "report_tracking", "reference": report["reference"],
                               "code": None}]

    got = filed.collect(1, settle=0.5)
    assert len(got) == 1
    assert set(got[0].payload["data"]) == {"report_id", "reference", "uprn", "service",
                                           "collection_date", "round_id", "crew_id",
                                           "due_by"}
    for message in (json.dumps(got[0].payload), json.dumps(dict(got[0].headers))):
        assert EMAIL not in message and PHONE not in message and "7700" not in message
    stored = query(bins_db, "SELECT body::text AS body, headers::text AS headers FROM outbox")
    assert stored and all(EMAIL not in r["body"] + r["headers"] and
                          PHONE not in r["body"] + r["headers"] for r in stored)


def test_email_is_preferred_by_default_and_sms_when_only_a_mobile(bins, borough):
    first, second, third = pick(borough, "FOOD-0001")[:3]
    both = bins.file_report(first, "food", email=EMAIL, phone=TYPED_PHONE)
    mobile = bins.file_report(second, "food", phone="+44 7700 900 123")
    email = bins.file_report(third, "food", email=EMAIL, preferred="email")
    assert bins.notification_facts(both["report"]["id"])["contact"]["preferred"] == "email"
    assert bins.notification_facts(mobile["report"]["id"])["contact"] == {
        "email": None, "phone": PHONE, "preferred": "sms", "safe_channel_only": False}
    assert bins.notification_facts(email["report"]["id"])["contact"] == {
        "email": EMAIL, "phone": None, "preferred": "email", "safe_channel_only": False}


def test_no_contact_details_means_no_contact(bins, borough, bins_db):
    uprn = pick(borough, "FOOD-0001")[0]
    answer = bins.file_report(uprn, "food")
    assert query(bins_db, CONTACT_COLUMNS) == [
        {"contact_email": None, "contact_phone": None, "contact_preferred": None}]
    assert bins.notification_facts(answer["report"]["id"])["contact"] is None


def test_the_tracking_link_carries_the_code_when_it_can_be_derived(bins, borough):
    uprn = pick(borough, "FOOD-0001")[0]
    answer = bins.file_report(uprn, "food", idempotency_key="web-submission-1",
                              email=EMAIL)
    reference = answer["report"]["reference"]
    [link] = bins.notification_facts(answer["report"]["id"])["links"]
    assert (link["kind"], link["reference"]) == ("report_tracking", reference)
    code = link["code"]
    assert code == answer["secret"]
    assert bins.report_status(reference, code)["id"] == answer["report"]["id"]


def test_due_by_is_in_utc(bins, borough):
    CLOCK.set(2026, 4, 14, 12, 0)  # British Summer Time; FOOD-0001 went on Monday 13 April
    uprn = pick(borough, "FOOD-0001")[0]
    answer = bins.file_report(uprn, "food", phone=TYPED_PHONE)
    # the end of Wednesday 15 April in London
    assert answer["report"]["due_by"] == "2026-04-16T00:00:00+01:00"
    assert bins.notification_facts(answer["report"]["id"])["due_by"] == \
        "2026-04-15T23:00:00+00:00"


def test_the_crew_s_outcome_reaches_the_facts(bins, borough):
    collected_uprn, missed_uprn = pick(borough, "FOOD-0001")[:2]
    collected = bins.file_report(collected_uprn, "food", email=EMAIL)["report"]
    missed = bins.file_report(missed_uprn, "food", phone=TYPED_PHONE)["report"]

    bins.resolve_report("crew-3", collected["id"], "collected")
    bins.resolve_report("crew-3", missed["id"], "not_collected",
                        reason="A car was parked across the bin store")

    facts = bins.notification_facts(collected["id"])
    assert (facts["status"], facts["outcome"], facts["reason"]) == ("closed", "collected",
                                                                    None)
    facts = bins.notification_facts(missed["id"])
    assert (facts["status"], facts["outcome"]) == ("closed", "not_collected")
    assert facts["reason"] == "A car was parked across the bin store"
    assert facts["contact"]["phone"] == PHONE


@pytest.mark.parametrize("contact, field, message", [
    ({"email": "sam@example"}, "email", "Enter an email address in the correct format"),
    ({"phone": "01632 960 001"}, "phone", "Enter a UK mobile number"),
    ({"phone": "07700 900 12"}, "phone", "Enter a UK mobile number"),
    ({"preferred": "sms", "email": EMAIL}, "phone",
     "Enter a UK mobile number to be told by text message"),
    ({"preferred": "email", "phone": TYPED_PHONE}, "email",
     "Enter an email address to be told by email"),
    ({"preferred": "pigeon", "email": EMAIL}, "preferred", "Choose email or sms"),
])
def test_bad_contact_details_are_refused_naming_the_field(bins, borough, bins_db, contact,
                                                          field, message):
    uprn = pick(borough, "FOOD-0001")[0]
    with pytest.raises(RemoteError) as err:
        bins.file_report(uprn, "food", **contact)
    assert err.value.exc_type == "ValidationError"
    assert field in err.value.value and message in err.value.value
    # what the resident typed is not repeated (it would reach the logs)
    for typed in (contact.get("email"), contact.get("phone")):
        assert typed is None or typed not in err.value.value
    assert query(bins_db, "SELECT count(*) AS n FROM reports")[0]["n"] == 0
    assert query(bins_db, "SELECT count(*) AS n FROM outbox")[0]["n"] == 0


def test_an_unknown_report_is_not_found(bins):
    with pytest.raises(RemoteError) as err:
        bins.notification_facts(str(uuid.uuid4()))
    assert err.value.exc_type == "ReportNotFound"
    with pytest.raises(RemoteError) as err:
        bins.notification_facts("MB-7K3Q-92")
    assert err.value.exc_type == "ValidationError"
    assert "report_id" in err.value.value
