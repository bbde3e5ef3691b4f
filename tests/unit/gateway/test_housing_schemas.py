"""What the housing routes accept: bodies, queries and the resident forms."""
import datetime as dt
import uuid

import pytest

from gateway.api.schemas import housing
from gateway.pages.housing import forms
from gateway.web import openapi
from gateway.service import GatewayService


@pytest.mark.parametrize("value", [
    "own_home", 34, 2.0, True, None, ["physical_health", "disability"], [3, 7, 15],
    "", [],
])
def test_an_answer_may_be_any_json_value_within_bounds(value):
    assert housing.AnswerSchema().load({"value": value}) == {"value": value}


def test_a_date_answer_is_sent_as_its_parts():
    loaded = housing.AnswerSchema().load({"value": {"day": " 4", "month": 12, "year": "2026"}})
    assert loaded == {"value": {"day": "4", "month": "12", "year": "2026"}}
    # a part left out is sent blank, for the service to say which is missing
    assert housing.AnswerSchema().load({"value": {"day": "4", "year": "2026"}}) == {
        "value": {"day": "4", "month": "", "year": "2026"}}
    assert housing.AnswerSchema().load({"value": {"month": "September"}})["value"][
        "month"] == "September"


@pytest.mark.parametrize("value", [
    {"day": "4", "month": "12", "year": "2026", "hour": "9"},
    {},
    {"day": ["4"], "month": "12", "year": "2026"},
    {"day": True, "month": "12", "year": "2026"},
    {"day": "4" * 20, "month": "12", "year": "2026"},
])
def test_date_parts_are_day_month_and_year_only(value):
    assert housing.AnswerSchema().validate({"value": value}) == {"value": [
        'Send a date as {"day": "4", "month": "12", "year": "2026"}']}


def test_answers_too_big_or_of_the_wrong_shape_are_refused():
    schema = housing.AnswerSchema()
    assert schema.validate({}) == {"value": ["Send the answer as value"]}
    assert schema.validate({"value": "x" * 5001}) == {"value": [
        "The answer must be 5000 characters or fewer"]}
    assert schema.validate({"value": list(range(51))}) == {"value": [
        "Send a list of up to 50 options or numbers"]}
    assert schema.validate({"value": [{"a": 1}]}) == {"value": [
        "Send a list of up to 50 options or numbers"]}
    assert schema.validate({"value": "yes", "code": "x"}) == {"code": [
        "This field is not recognised"]}


def test_queue_query_is_validated_with_defaults():
    schema = housing.QueueQuerySchema()
    assert schema.load({}) == {"urgency": None, "duty": None, "status": None,
                               "limit": 50, "offset": 0}
    assert schema.load({"urgency": "emergency", "status": "mine", "limit": "10"}) == {
        "urgency": "emergency", "duty": None, "status": "mine", "limit": 10, "offset": 0}
    assert schema.validate({"urgency": "now", "duty": "main", "status": "all",
                            "limit": "0", "offset": "-1"}) == {
        "urgency": ["Choose an urgency: emergency, high, standard, advice"],
        "duty": ["Choose a duty: relief, prevention, none"],
        "status": ["Choose a status: open, unassigned, assigned, mine, closed"],
        "limit": ["Ask for between 1 and 100 cases"],
        "offset": ["Enter 0 or more"]}
    assert schema.validate({"limit": "ten"}) == {"limit": ["Enter a whole number, like 20"]}
    assert schema.validate({"staff_id": "someone-else"}) == {
        "staff_id": ["This field is not recognised"]}


def test_staff_bodies():
    assert housing.AssignSchema().load({}) == {"take_over": False}
    assert housing.AssignSchema().validate({"take_over": "perhaps"}) == {
        "take_over": ["Send true or false"]}
    assert housing.NoteBodySchema().validate({"text": "   "}) == {"text": ["Enter the note"]}
    assert housing.PlanBodySchema().load({"party": "applicant", "text": " Bring ID ",
                                          "due_on": "2026-12-04"}) == {
        "party": "applicant", "text": "Bring ID", "due_on": dt.date(2026, 12, 4)}
    assert housing.PlanBodySchema().validate({"party": "landlord", "text": "x",
                                              "due_on": "4/12/2026"}) == {
        "party": ["Choose who does it: council, applicant"],
        "due_on": ["Enter a date like 2026-03-31"]}
    assert housing.CloseBodySchema().load({"outcome": "advice_given"}) == {
        "outcome": "advice_given", "note": None}
    assert "outcome" in housing.CloseBodySchema().validate({"outcome": "sorted"})
    assert housing.CloseBodySchema().validate({}) == {"outcome": ["Choose an outcome"]}


def test_audit_and_case_queries():
    case_id = uuid.uuid4()
    assert housing.AuditQuerySchema().load({"case_id": str(case_id)}) == {
        "case_id": case_id, "limit": 100}
    assert housing.AuditQuerySchema().validate({"case_id": "42"}) == {"case_id": [
        "A case id looks like 4a7d1ed4-1b2c-4e5f-8a9b-0c1d2e3f4a5b"]}
    assert housing.CaseQuerySchema().load({}) == {"reason": None}
    assert housing.CaseQuerySchema().validate({"reason": "x" * 501}) == {"reason": [
        "The reason must be 500 characters or fewer"]}
    assert housing.QuestionnaireQuerySchema().load({"version": "2"}) == {"version": 2}
    assert housing.QuestionnaireQuerySchema().validate({"version": "v2"}) == {"version": [
        "Enter a version number, like 1"]}


@pytest.mark.parametrize("typed, expected", [
    ("7k3q-m2xa-9prt", "7K3Q-M2XA-9PRT"), (" 7K3Q M2XA 9PRT ", "7K3Q-M2XA-9PRT"),
    ("7K3QM2XA9PRT", "7K3Q-M2XA-9PRT"),
])
def test_codes_are_normalised(typed, expected):
    assert housing.normalise_code(typed) == expected
    assert forms.ResumeFormSchema().load({"code": typed}) == {"code": expected}


def test_code_and_reference_forms_say_what_is_wrong():
    assert housing.normalise_code("7K3Q-M2XA-9PR0") is None  # 0 is never in a code
    assert housing.normalise_code("7K3Q-M2XA") is None
    assert forms.ResumeFormSchema().validate({"code": " "}) == {"code": [
        "Enter the code you were given"]}
    assert forms.ResumeFormSchema().validate({"code": "hello"}) == {"code": [
        "Enter the code as it is shown, like 7K3Q-M2XA-9PRT"]}
    assert forms.TrackFormSchema().validate({"reference": "", "secret": ""}) == {
        "reference": ["Enter your reference"], "secret": ["Enter your code"]}
    # well formed, but its check digits are wrong
    assert forms.TrackFormSchema().validate({"reference": "HL-2222-10",
                                               "secret": "7K3Q-M2XA-9PRT"}) == {
        "reference": ["Enter your reference as it is shown, like HL-7K3Q-92"]}


def test_case_references_keep_their_check_digits():
    from services.kit import references
    reference = references.new_reference("HL")
    assert housing.normalise_reference(reference.lower().replace("-", " ")) == reference
    assert housing.normalise_reference("HL-2222-10") is None
    assert housing.valid_case_id(str(uuid.uuid4()))
    assert not housing.valid_case_id("1") and not housing.valid_case_id("../x")


def test_the_housing_routes_are_in_the_api_document():
    doc = openapi.document(GatewayService)
    paths = doc["paths"]
    assert {"/api/v1/housing/questionnaire", "/api/v1/housing/triages",
            "/api/v1/housing/triage", "/api/v1/housing/triage/answers/{question_id}",
            "/api/v1/housing/triage/submit", "/api/v1/housing/cases/{reference}",
            "/api/v1/housing/staff/queue", "/api/v1/housing/staff/cases/{case_id}",
            "/api/v1/housing/staff/cases/{case_id}/assign",
            "/api/v1/housing/staff/cases/{case_id}/notes",
            "/api/v1/housing/staff/cases/{case_id}/plan",
            "/api/v1/housing/staff/cases/{case_id}/plan/{step_id}/complete",
            "/api/v1/housing/staff/cases/{case_id}/close",
            "/api/v1/housing/staff/audit"} <= set(paths)
    assert paths["/api/v1/housing/triages"]["post"]["tags"] == ["housing"]
    assert paths["/api/v1/housing/staff/audit"]["get"]["x-roles"] == ["supervisor"]
    assert paths["/api/v1/housing/staff/queue"]["get"]["x-roles"] == [
        "caseworker", "supervisor"]
    submit = paths["/api/v1/housing/triage/submit"]["post"]["responses"]
    assert {"200", "201", "400", "404"} <= set(submit)
    assert "409" in paths["/api/v1/housing/staff/cases/{case_id}/assign"]["post"]["responses"]
    assert not any(p.startswith("/housing") for p in paths)
