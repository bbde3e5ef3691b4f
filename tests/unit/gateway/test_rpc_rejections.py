import json

from nameko.exceptions import RemoteError

from gateway.web import errors
from gateway.web.rpc import map_remote_error


def test_a_rejection_carrying_a_rule_gives_its_code_and_reason():
    value = json.dumps({"code": "report_window_closed", "reason": "It is too late."})
    error = map_remote_error("bins", RemoteError("ReportRejected", value))
    assert isinstance(error, errors.Unprocessable)
    assert (error.code, error.message) == ("report_window_closed", "It is too late.")
    assert error.body()["error"]["reason"] == "It is too late."


def test_a_plain_rejection_keeps_its_message():
    error = map_remote_error("bins", RemoteError("ReportRejected", "No, sorry"))
    assert (error.code, error.message) == ("unprocessable", "No, sorry")
    odd = map_remote_error("bins", RemoteError("ReportRejected", '{"code": 5}'))
    assert odd.message == '{"code": 5}'


def test_a_conflict_carrying_a_rule_gives_its_code_and_reason():
    value = json.dumps({"code": "already_assigned",
                        "reason": "Sam Jones is working on this case."})
    error = map_remote_error("housing", RemoteError("AssignmentConflict", value))
    assert isinstance(error, errors.Conflict) and error.status == 409
    assert (error.code, error.message) == ("already_assigned",
                                           "Sam Jones is working on this case.")
    assert error.body()["error"]["reason"] == "Sam Jones is working on this case."
    assert error.body()["error"]["service"] == "housing"


def test_a_plain_conflict_keeps_its_message():
    error = map_remote_error("housing", RemoteError("AssignmentConflict", "Taken"))
    assert (error.status, error.code, error.message) == (409, "conflict", "Taken")

