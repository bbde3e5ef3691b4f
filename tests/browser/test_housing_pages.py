"""The housing pages in headless Chromium, against a real gateway and the
real housing service: a person answers the questions, saves, comes back on
another browser with the code, checks, changes an answer and sends; then a
caseworker, in a browser of their own behind the sign-in proxy, finds the case
at the top of the queue page and assigns it to themselves. The browser steps
are in scenarios.py (see conftest.py for why)."""
from tests.support.housing_stack import (call, emergency_answers, renter_answers)


def test_ask_for_help_save_come_back_and_send(browse, housing_stack):
    answers = emergency_answers()
    signed = housing_stack.bearer("cw-browser", ["caseworker"])
    caseworker = {"authorization": signed["Authorization"], "sub": "cw-browser"}
    result = browse("housing_triage", housing_stack.base_url, answers=answers,
                    save_after="reason", caseworker=caseworker)
    assert result["reference"].startswith("HL-")
    assert result["call_today"] and result["danger"]
    assert result["case_path"].startswith("/staff/housing/cases/")

    status = call(housing_stack, "GET", f"/api/v1/housing/cases/{result['reference']}",
                  headers={"X-Resident-Secret": result["code"]})
    assert status.status_code == 200 and status.json()["urgency"] == "emergency"

    queue = call(housing_stack, "GET", "/api/v1/housing/staff/queue",
                 headers=housing_stack.bearer("cw-browser", ["caseworker"]))
    assert queue.status_code == 200
    first = queue.json()["cases"][0]
    assert (first["reference"], first["urgency"]) == (result["reference"], "emergency")
    # taken in the browser by the caseworker
    assert first["assigned_to"] == "cw-browser" and first["status"] == "assigned"
    assert result["case_path"].endswith(first["case_id"])


def test_a_saved_answer_and_a_standard_case(browse, housing_stack):
    answers = renter_answers()
    result = browse("housing_triage", housing_stack.base_url, answers=answers,
                    save_after="notice_served_on")
    assert not result["call_today"]
    status = call(housing_stack, "GET", f"/api/v1/housing/cases/{result['reference']}",
                  headers={"X-Resident-Secret": result["code"]}).json()
    assert status["duty"] == "prevention"


def test_errors_and_exclusive_checkboxes_with_javascript(browse, housing_stack):
    browse("housing_exclusive_and_errors", housing_stack.base_url)
