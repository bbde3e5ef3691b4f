"""The housing journey end to end: a real gateway and the real housing
service in their own processes, over a private vhost, with their own
database. A person asks for help over the JSON API; caseworkers work the
queue."""
from tests.support.housing_stack import (call, emergency_answers, file_case,
                                         renter_answers, secret_header)


def test_a_person_asks_for_help_and_a_caseworker_closes_the_case(housing_stack):
    code, sent = file_case(housing_stack, emergency_answers())
    case, secret = sent["case"], sent["secret"]
    assert case["urgency"] == "emergency" and case["status"] == "open"
    assert case["next_step"]["code"] == "call_today" and case["next_step"]["phone"]

    # what the person sees, with their secret; never staff notes
    status = call(housing_stack, "GET", sent["status_url"], headers=secret_header(secret))
    assert status.status_code == 200 and status.json()["reference"] == case["reference"]

    worker = housing_stack.bearer("cw-e2e", ["caseworker"])
    queue = call(housing_stack, "GET", "/api/v1/housing/staff/queue", headers=worker,
                 params={"urgency": "emergency"}).json()
    item = next(c for c in queue["cases"] if c["reference"] == case["reference"])
    case_url = f"/api/v1/housing/staff/cases/{item['case_id']}"

    assert call(housing_stack, "POST", case_url + "/assign", json={},
                headers=worker).json()["assigned_to"] == "cw-e2e"
    note = call(housing_stack, "POST", case_url + "/notes", headers=worker,
                json={"text": "Called back; placed in emergency accommodation."})
    assert note.status_code == 201, note.text
    step = call(housing_stack, "POST", case_url + "/plan", headers=worker,
                json={"party": "applicant", "text": "Bring proof of identity"})
    assert step.status_code == 201, step.text
    done = call(housing_stack, "POST", f"{case_url}/plan/{step.json()['id']}/complete",
                headers=worker)
    assert done.status_code == 200 and done.json()["done_at"]

    status = call(housing_stack, "GET", sent["status_url"], headers=secret_header(secret)).json()
    assert status["status"] == "assigned"
    assert "emergency accommodation" not in str(status)

    closed = call(housing_stack, "POST", case_url + "/close", headers=worker,
                  json={"outcome": "homelessness_relieved"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    status = call(housing_stack, "GET", sent["status_url"], headers=secret_header(secret)).json()
    assert (status["status"], status["closed_outcome"]) == ("closed", "homelessness_relieved")


def test_the_api_document_describes_the_housing_routes(housing_stack):
    doc = call(housing_stack, "GET", "/api/v1/openapi.json").json()
    assert "/api/v1/housing/triage/answers/{question_id}" in doc["paths"]
    assert doc["paths"]["/api/v1/housing/staff/queue"]["get"]["tags"] == [
        "housing: caseworkers"]


def test_a_referral_without_consent_is_refused_on_sending(housing_stack):
    from tests.support.housing_stack import answer_all, start
    answers = {**renter_answers(), "route": "referral", "referrer_organisation": "HMP Test",
               "referrer_email": "officer@example.gov.uk", "referral_consent": "no"}
    code, view = start(housing_stack)
    answer_all(housing_stack, code, answers, view)
    refused = call(housing_stack, "POST", "/api/v1/housing/triage/submit",
                   headers=secret_header(code))
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "referral_consent": ["You must have the person's consent to refer them"]}
