"""The caseworker queue: ordered by urgency, assigned once unless taken over,
closed with an outcome from the list; every staff read audited."""
import json

import pytest
from nameko.exceptions import RemoteError

from tests.integration.housing.conftest import query, triage


def case_ids(housing, **filters):
    return [c["reference"] for c in housing.list_queue("cw-1", **filters)["cases"]]


def test_the_queue_is_ordered_by_urgency_then_respond_by(housing):
    advice = triage(housing, asked_to_leave="no")["case"]["reference"]
    standard = triage(housing)["case"]["reference"]
    emergency = triage(housing, sleep_tonight="rough")["case"]["reference"]
    high = triage(housing, sleep_tonight="sofa_surfing")["case"]["reference"]

    assert case_ids(housing) == [emergency, high, standard, advice]
    assert case_ids(housing, urgency="high") == [high]
    assert case_ids(housing, duty="prevention") == [standard]
    listed = housing.list_queue("cw-1", limit=2)
    assert listed["total"] == 4 and len(listed["cases"]) == 2
    assert listed["more_than_total"] is False
    assert case_ids(housing, limit=2, offset=2) == [standard, advice]


def test_the_count_stops_at_the_cap(housing, monkeypatch):
    from services.housing import app
    monkeypatch.setattr(app, "QUEUE_COUNT_CAP", 2)
    for _ in range(3):
        triage(housing)
    listed = housing.list_queue("cw-1")
    assert (listed["total"], listed["more_than_total"], len(listed["cases"])) == (2, True, 3)


def test_assignment_is_exclusive_unless_taken_over(housing, listen):
    assigned = listen("CaseAssigned")
    case = triage(housing, sleep_tonight="rough")["case"]
    case_id = housing.list_queue("cw-1")["cases"][0]["case_id"]

    mine = housing.assign_case("cw-1", case_id)
    assert mine["assigned_to"] == "cw-1" and mine["status"] == "assigned"
    housing.assign_case("cw-1", case_id)  # again: nothing changes, nothing published

    with pytest.raises(RemoteError) as err:
        housing.assign_case("cw-2", case_id)
    assert err.value.exc_type == "AssignmentConflict"
    assert json.loads(err.value.value)["code"] == "already_assigned"

    taken = housing.assign_case("cw-2", case_id, take_over=True)
    assert taken["assigned_to"] == "cw-2"
    got = assigned.collect(2, settle=0.5)
    assert [(m.payload["data"]["caseworker_id"], m.payload["data"]["previous_caseworker_id"])
            for m in got] == [("cw-1", None), ("cw-2", "cw-1")]
    assert all(m.payload["data"]["reference"] == case["reference"] for m in got)
    assert case_ids(housing, status="mine") == []  # cw-1's view
    assert [c["assigned_to"] for c in housing.list_queue("cw-2", status="mine")["cases"]] \
        == ["cw-2"]


def test_notes_plan_and_closure(housing, listen):
    closed = listen("CaseClosed")
    submitted = triage(housing)
    case_id = housing.list_queue("cw-1")["cases"][0]["case_id"]
    housing.assign_case("cw-1", case_id)
    housing.add_note("cw-1", case_id, "Called the landlord about the notice.")
    step = housing.add_plan_step("cw-1", case_id, "applicant", "Bring the tenancy agreement",
                                 "2026-03-10")
    done = housing.complete_plan_step("cw-1", case_id, step["id"])
    assert done["done_at"] is not None

    housing.close_case("cw-1", case_id, "homelessness_prevented")
    detail = housing.get_case("cw-1", "caseworker", case_id, "checking closure")
    assert detail["status"] == "closed"
    assert detail["closed_outcome"] == "homelessness_prevented"
    assert [n["text"] for n in detail["notes"]] == ["Called the landlord about the notice."]
    assert detail["plan"][0]["party"] == "applicant"
    assert {a["question_id"] for a in detail["answers"]} >= {"sleep_tonight", "leave_date"}
    got = closed.collect(1, settle=0.5)
    assert len(got) == 1
    assert got[0].payload["data"]["outcome"] == "homelessness_prevented"

    with pytest.raises(RemoteError) as err:
        housing.close_case("cw-1", case_id, "withdrawn")
    assert err.value.exc_type == "CaseRejected"
    with pytest.raises(RemoteError) as err:
        housing.close_case("cw-1", case_id, "because")
    assert err.value.exc_type == "ValidationError"
    # the person sees the outcome, never the notes
    status = housing.case_status(detail["reference"], submitted["secret"])
    assert status["status"] == "closed"
    assert status["closed_outcome"] == "homelessness_prevented"
    assert "Called the landlord" not in json.dumps(status)


def test_every_staff_read_is_audited_and_only_supervisors_read_the_log(housing, housing_db):
    triage(housing)
    case_id = housing.list_queue("cw-1")["cases"][0]["case_id"]
    housing.get_case("cw-1", "caseworker", case_id, "first contact")

    with pytest.raises(RemoteError) as err:
        housing.read_audit("cw-1", "caseworker")
    assert err.value.exc_type == "AuditForbidden"

    entries = housing.read_audit("sup-1", "supervisor", case_id=case_id)["entries"]
    assert [(e["staff_id"], e["action"], e["reason"]) for e in entries] == [
        ("cw-1", "view_case", "first contact")]
    rows = query(housing_db, "SELECT action FROM audit_log ORDER BY id")
    assert [r["action"] for r in rows] == ["list_queue", "view_case", "read_audit"]
