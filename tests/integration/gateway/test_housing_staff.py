"""The caseworkers' housing API, against the real housing service in a Stack:
who may call it, the queue's order, assigning and taking over, notes, the
plan, closing, and the audit log."""
import uuid

import pytest

from tests.support.housing_stack import (advice_answers, call, emergency_answers,
                                         file_case, renter_answers)

QUEUE = "/api/v1/housing/staff/queue"
RANK = {"emergency": 0, "high": 1, "standard": 2, "advice": 3}
# who signs in: (sub, roles) for the stack's bearer()
ALICE = ("cw-alice", ["caseworker"])
BOB = ("cw-bob", ["caseworker"])
SUPERVISOR = ("sup-sam", ["supervisor"])
CREW = ("crew-7", ["crew"])


@pytest.fixture(scope="module")
def filed(housing_stack):
    """Three cases, the emergency one filed last."""
    cases = {}
    for name, answers in (("advice", advice_answers()), ("renter", renter_answers()),
                          ("emergency", emergency_answers())):
        _, sent = file_case(housing_stack, answers)
        cases[name] = sent["case"]
    return cases


def queue(stack, who=ALICE, **params):
    got = call(stack, "GET", QUEUE, headers=stack.bearer(*who), params=params)
    assert got.status_code == 200, got.text
    return got.json()


def case_id(stack, reference):
    return next(c["case_id"] for c in queue(stack, status="open", limit=100)["cases"]
                if c["reference"] == reference)


def test_only_caseworkers_and_supervisors(housing_stack, filed):
    some_case = f"/api/v1/housing/staff/cases/{uuid.uuid4()}"
    for method, path in (("GET", QUEUE), ("GET", some_case),
                         ("POST", some_case + "/assign"), ("GET", "/api/v1/housing/staff/audit")):
        kwargs = {"json": {}} if method == "POST" else {}
        anonymous = call(housing_stack, method, path, **kwargs)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        assert call(housing_stack, method, path,
                    headers=housing_stack.bearer(*CREW), **kwargs).status_code == 403
    # the audit log is for supervisors only
    assert call(housing_stack, "GET", "/api/v1/housing/staff/audit",
                headers=housing_stack.bearer(*ALICE)).status_code == 403


def test_the_queue_puts_the_most_urgent_first(housing_stack, filed):
    listed = queue(housing_stack)
    assert listed["total"] >= 3
    urgencies = [c["urgency"] for c in listed["cases"]]
    assert urgencies[0] == "emergency"
    assert [RANK[u] for u in urgencies] == sorted(RANK[u] for u in urgencies)
    item = listed["cases"][0]
    assert item["reference"] == filed["emergency"]["reference"]
    assert item["route"] == "self" and item["status"] == "open" and item["assigned_to"] is None
    only = queue(housing_stack, urgency="advice")
    assert {c["urgency"] for c in only["cases"]} == {"advice"}
    assert queue(housing_stack, duty="prevention")["cases"][0]["duty"] == "prevention"
    page = queue(housing_stack, limit=1, offset=1)
    assert len(page["cases"]) == 1 and page["cases"][0] == listed["cases"][1]
    bad = call(housing_stack, "GET", QUEUE, headers=housing_stack.bearer(*ALICE),
               params={"urgency": "now", "limit": 0, "staff_id": "cw-bob"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"urgency", "limit", "staff_id"}


def test_assign_conflict_take_over_notes_plan_close(housing_stack, filed):
    reference = filed["renter"]["reference"]
    url = f"/api/v1/housing/staff/cases/{case_id(housing_stack, reference)}"

    taken = call(housing_stack, "POST", url + "/assign", json={},
                 headers=housing_stack.bearer(*ALICE))
    assert taken.status_code == 200, taken.text
    assert (taken.json()["assigned_to"], taken.json()["status"]) == ("cw-alice", "assigned")
    assert reference in [c["reference"] for c in queue(housing_stack, status="mine")["cases"]]
    assert reference not in [c["reference"] for c in
                             queue(housing_stack, status="unassigned")["cases"]]

    clash = call(housing_stack, "POST", url + "/assign", json={},
                 headers=housing_stack.bearer(*BOB))
    assert clash.status_code == 409
    error = clash.json()["error"]
    assert error["code"] == "already_assigned" and error["message"] == error["reason"]
    over = call(housing_stack, "POST", url + "/assign", json={"take_over": True},
                headers=housing_stack.bearer(*BOB))
    assert over.status_code == 200 and over.json()["assigned_to"] == "cw-bob"

    note = call(housing_stack, "POST", url + "/notes", json={"text": "Spoke to landlord"},
                headers=housing_stack.bearer(*BOB))
    assert note.status_code == 201 and note.json()["author"] == "cw-bob"
    blank = call(housing_stack, "POST", url + "/notes", json={"text": " "},
                 headers=housing_stack.bearer(*BOB))
    assert blank.json()["error"]["fields"] == {"text": ["Enter the note"]}
    step = call(housing_stack, "POST", url + "/plan", headers=housing_stack.bearer(*BOB), json={
        "party": "council", "text": "Negotiate with the landlord", "due_on": "2027-01-08"})
    assert step.status_code == 201, step.text
    assert step.json()["due_on"] == "2027-01-08" and step.json()["done_at"] is None
    bad_step = call(housing_stack, "POST", url + "/plan", headers=housing_stack.bearer(*BOB),
                    json={"party": "landlord", "text": "x"})
    assert bad_step.status_code == 400 and "party" in bad_step.json()["error"]["fields"]
    done = call(housing_stack, "POST", f"{url}/plan/{step.json()['id']}/complete",
                headers=housing_stack.bearer(*BOB))
    assert done.status_code == 200 and done.json()["done_at"]
    assert call(housing_stack, "POST", f"{url}/plan/999999/complete",
                headers=housing_stack.bearer(*BOB)).status_code == 404

    detail = call(housing_stack, "GET", url, headers=housing_stack.bearer(*ALICE),
                  params={"reason": "Covering for Bob"})
    assert detail.status_code == 200, detail.text
    case = detail.json()
    assert case["reference"] == reference and case["assigned_to"] == "cw-bob"
    assert [n["text"] for n in case["notes"]] == ["Spoke to landlord"]
    assert [s["text"] for s in case["plan"]] == ["Negotiate with the landlord"]
    assert {"question_id": "how_asked", "summary": "How they were asked to leave",
            "value": "section_21"} in case["answers"]
    assert case["outcome"]["duty"] == "prevention"

    closed = call(housing_stack, "POST", url + "/close", headers=housing_stack.bearer(*BOB),
                  json={"outcome": "homelessness_prevented", "note": "Tenancy saved"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = call(housing_stack, "POST", url + "/close", headers=housing_stack.bearer(*BOB),
                 json={"outcome": "withdrawn"})
    assert again.status_code == 422 and again.json()["error"]["code"] == "case_closed"
    reassign = call(housing_stack, "POST", url + "/assign", json={},
                    headers=housing_stack.bearer(*ALICE))
    assert reassign.status_code == 422 and reassign.json()["error"]["code"] == "case_closed"
    assert reference in [c["reference"] for c in queue(housing_stack, status="closed")["cases"]]
    bad_close = call(housing_stack, "POST", url + "/close", headers=housing_stack.bearer(*BOB),
                     json={"outcome": "sorted"})
    assert bad_close.status_code == 400

    audit = call(housing_stack, "GET", "/api/v1/housing/staff/audit",
                 headers=housing_stack.bearer(*SUPERVISOR),
                 params={"case_id": url.rsplit("/", 1)[1]})
    assert audit.status_code == 200, audit.text
    entries = audit.json()["entries"]
    actions = [(e["staff_id"], e["action"]) for e in entries]
    assert ("cw-alice", "view_case") in actions and ("cw-bob", "take_over") in actions
    assert ("cw-bob", "close") in actions
    viewed = next(e for e in entries if e["action"] == "view_case")
    assert viewed["reason"] == "Covering for Bob"


def test_unknown_and_malformed_case_ids(housing_stack, filed):
    assert call(housing_stack, "GET", "/api/v1/housing/staff/cases/42",
                headers=housing_stack.bearer(*ALICE)).status_code == 404
    missing = call(housing_stack, "GET", f"/api/v1/housing/staff/cases/{uuid.uuid4()}",
                   headers=housing_stack.bearer(*ALICE))
    assert missing.status_code == 404
    bad = call(housing_stack, "GET", "/api/v1/housing/staff/audit",
               headers=housing_stack.bearer(*SUPERVISOR),
               params={"case_id": "42"})
    assert bad.status_code == 400 and "case_id" in bad.json()["error"]["fields"]
