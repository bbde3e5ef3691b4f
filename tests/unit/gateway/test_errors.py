import json

import pytest
from nameko.exceptions import RemoteError
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge

from gateway.web import errors
from gateway.web.requests import as_fields as _as_fields, json_response
from gateway.web.rpc import map_remote_error


def test_every_error_has_the_one_shape():
    exc = errors.ValidationFailed(fields={"postcode": ["Enter a full postcode"]})
    assert exc.status == 400
    assert exc.body() == {"error": {
        "code": "validation_error",
        "message": "Some of the information sent is not valid",
        "fields": {"postcode": ["Enter a full postcode"]}}}
    # the fields key is there, empty, when no one field is to blame
    assert errors.NotFound().body() == {"error": {
        "code": "not_found", "message": "There is nothing at this address", "fields": {}}}


def test_json_response_serialises_the_shape():
    response = json_response(errors.Conflict("Taken").body(), status=409)
    assert response.status_code == 409
    assert response.mimetype == "application/json"
    assert json.loads(response.get_data()) == {"error": {"code": "conflict", "message": "Taken",
                                                             "fields": {}}}


def test_internal_error_shows_only_the_reference():
    body = errors.internal_error("abc-123").body()["error"]
    assert body["code"] == "internal_error"
    assert body["correlation_id"] == "abc-123"
    assert "abc-123" in body["message"]
    assert set(body) == {"code", "message", "fields", "correlation_id"}
    assert body["fields"] == {}


def test_werkzeug_exceptions_get_our_shape():
    too_large = errors.from_http_exception(RequestEntityTooLarge())
    assert (too_large.status, too_large.code) == (413, "payload_too_large")
    not_allowed = errors.from_http_exception(MethodNotAllowed(valid_methods=["POST", "GET"]))
    assert not_allowed.status == 405
    assert not_allowed.headers == {"Allow": "GET, POST"}


@pytest.mark.parametrize("exc_type, value, status, code", [
    ("ValidationError", "{'postcode': ['Enter a full postcode, like SW1A 1AA']}", 400,
     "validation_error"),
    ("NotFound", "No report with that reference", 404, "not_found"),
    ("ReportNotFound", "No report with that reference", 404, "not_found"),
    ("Forbidden", "That secret does not match", 403, "forbidden"),
    ("PermissionDenied", "No", 403, "forbidden"),
    ("SlotConflict", "That slot has just been taken", 409, "conflict"),
    ("ReportAlreadyExists", "Already reported", 409, "conflict"),
    ("ReportRejected", "The time to report this collection has passed", 422, "unprocessable"),
    ("MethodNotFound", "echo", 500, "internal_error"),
    ("KeyError", "'secret internals'", 500, "internal_error"),
])
def test_remote_errors_map_by_convention(exc_type, value, status, code):
    mapped = map_remote_error("bins", RemoteError(exc_type, value))
    assert (mapped.status, mapped.code) == (status, code)
    if status in (403, 404, 409, 422):
        assert mapped.message == value
        assert mapped.body()["error"]["service"] == "bins"
    if status == 500:
        assert value not in json.dumps(mapped.body())


def test_remote_validation_error_fields_are_flattened():
    mapped = map_remote_error("housing", RemoteError(
        "ValidationError",
        '{"household": {"adults": ["Enter a number"]}, "urgency": "Choose one"}'))
    assert mapped.fields == {"household.adults": ["Enter a number"],
                             "urgency": ["Choose one"]}


def test_remote_validation_error_without_fields_keeps_its_message():
    mapped = map_remote_error("bins", RemoteError("ValidationError",
                                                  "Collection date is in the past"))
    assert mapped.fields is None
    assert mapped.message == "Collection date is in the past"


def test_marshmallow_messages_become_field_lists():
    assert _as_fields({"a": ["x"], "b": {"c": ["y"]}, "d": "z"}) == {
        "a": ["x"], "b.c": ["y"], "d": ["z"]}
    assert _as_fields(["whole body"]) == {"_schema": ["whole body"]}
