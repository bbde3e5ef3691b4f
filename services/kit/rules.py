"""The one error a business rule gives: a stable `code` for programs and
tests, and a `reason` in plain English the person can read.

Plain Python, for every service's domain: a domain method returns a
RuleBroken as its decision, or the use case raises it. The service's RPC
entrypoint sends it as the service's own remote error (see
services/kit/providers.py), so the gateway sees the same name and message
it always has.
"""
import json
from typing import Any, TypeVar

T = TypeVar("T")


class RuleBroken(Exception):
    """`conflict`: the case changed under the caller (someone took the last
    place, a colleague has the case), as opposed to a request the rules
    never allow. `extra`: further JSON-ready facts for the caller (ids and
    times, never personal data), such as the free alternatives to a full
    slot."""

    def __init__(self, code: str, reason: str, *, conflict: bool = False,
                 **extra: Any) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.conflict = conflict
        self.extra = extra

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, RuleBroken) and
                (self.code, self.reason, self.conflict, self.extra) ==
                (other.code, other.reason, other.conflict, other.extra))

    def __hash__(self) -> int:
        return hash((self.code, self.reason))

    def __repr__(self) -> str:
        return f"RuleBroken({self.code!r}, {self.reason!r})"

    def message(self) -> str:
        """The JSON message a remote error carries: {"code", "reason", ...}."""
        return json.dumps({"code": self.code, "reason": self.reason, **self.extra})


def decided(decision: T | RuleBroken) -> T:
    """A domain decision, raised if it is a RuleBroken, else given back:
    `change = decided(case.assign(staff_id))`."""
    if isinstance(decision, RuleBroken):
        raise decision
    return decision
