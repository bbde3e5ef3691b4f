"""A full slot is a 409 that keeps the service's further facts: the nearest
free times, in `error.alternatives`; the rule's code and reason as for any
rule. Keys the error shape already uses are never replaced."""
import json

from nameko.exceptions import RemoteError

from gateway.web import errors
from gateway.web.rpc import map_remote_error

ALTERNATIVE = {"office_id": "town-hall", "type_id": "council-tax",
               "start": "2026-12-01T09:30:00+00:00", "end": "2026-12-01T09:50:00+00:00",
               "local_start": "2026-12-01T09:30:00+00:00", "capacity": 2, "remaining": 1}


def slot_full(**extra):
    return json.dumps({"code": "slot_full", "reason": "Someone else has just taken the last "
                       "place at that time. Choose another time.", **extra})


def test_a_coded_conflict_keeps_its_alternatives():
    error = map_remote_error("bookings", RemoteError("SlotConflict",
                                                     slot_full(alternatives=[ALTERNATIVE])))
    assert isinstance(error, errors.Conflict) and error.status == 409
    assert error.code == "slot_full"
    assert error.message.startswith("Someone else has just taken the last place")
    body = error.body()["error"]
    assert body["alternatives"] == [ALTERNATIVE]
    assert body["service"] == "bookings" and body["reason"] == error.message
    assert body["fields"] == {}


def test_an_empty_list_of_alternatives_is_kept_too():
    error = map_remote_error("bookings", RemoteError(
        "SlotConflict", json.dumps({"code": "emergency_places_taken",
                                    "reason": "Call us now instead.", "alternatives": []})))
    assert error.code == "emergency_places_taken"
    assert error.body()["error"]["alternatives"] == []


def test_further_keys_cannot_replace_the_error_shape():
    error = map_remote_error("bookings", RemoteError("SlotConflict", slot_full(
        fields={"x": ["y"]}, service="someone-else", correlation_id="forged",
        message="not this", alternatives=[])))
    body = error.body()["error"]
    assert body["fields"] == {} and body["service"] == "bookings"
    assert "correlation_id" not in body
    assert body["message"] == error.message != "not this"
    assert body["alternatives"] == []


def test_a_rejection_keeps_only_its_code_and_reason():
    error = map_remote_error("bookings", RemoteError("BookingRejected", json.dumps({
        "code": "outside_window", "reason": "Choose an earlier time.", "window": "x"})))
    assert isinstance(error, errors.Unprocessable)
    assert error.code == "outside_window" and "window" not in error.body()["error"]


def test_a_conflict_without_a_rule_is_unchanged():
    error = map_remote_error("bookings", RemoteError("SlotConflict", "Full"))
    assert (error.code, error.message) == ("conflict", "Full")
    assert "alternatives" not in error.body()["error"]
