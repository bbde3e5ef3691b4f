"""One rule error, RuleBroken, and the remote errors it travels as: the
class name and JSON message the gateway maps are what they always were."""
import json

import pytest

from services.bookings import errors as bookings_errors
from services.housing import errors as housing_errors
from services.kit.errors import CodedError
from services.kit.rules import RuleBroken, decided


def test_a_broken_rule_reads_as_its_reason():
    broken = RuleBroken("slot_full", "Choose another time.", conflict=True, alternatives=[])
    assert str(broken) == "Choose another time."
    assert json.loads(broken.message()) == {"code": "slot_full",
                                            "reason": "Choose another time.",
                                            "alternatives": []}


def test_its_remote_error_carries_the_same_message_as_a_coded_error_raised_directly():
    broken = RuleBroken("hold_expired", "Choose a time again.")
    remote = CodedError.from_rule(broken)
    assert str(remote) == str(CodedError("hold_expired", "Choose a time again."))
    assert (remote.code, remote.reason) == ("hold_expired", "Choose a time again.")


def test_each_service_names_its_remote_errors_as_before():
    cases = [
        (bookings_errors.remote, False, "BookingRejected"),
        (bookings_errors.remote, True, "SlotConflict"),
        (housing_errors.remote, False, "CaseRejected"),
        (housing_errors.remote, True, "AssignmentConflict"),
    ]
    for remote, conflict, name in cases:
        error = remote(RuleBroken("a_code", "A reason.", conflict=conflict))
        assert type(error).__name__ == name
        assert json.loads(str(error)) == {"code": "a_code", "reason": "A reason."}


def test_decided_raises_a_refusal_and_gives_back_anything_else():
    assert decided(None) is None
    assert decided(3) == 3
    refusal = RuleBroken("no", "No.")
    with pytest.raises(RuleBroken) as caught:
        decided(refusal)
    assert caught.value is refusal
