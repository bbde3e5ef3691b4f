"""The base for the remote errors a broken rule travels as across RPC.

The gateway maps a remote error by the end of its class name (Rejected 422,
Conflict 409, ...). A rule's error carries a stable code and a plain-English
reason, sent as the JSON message {"code", "reason"} so the gateway can show
both. Domains and use cases raise services.kit.rules.RuleBroken; the RPC
entrypoint turns it into one of these.
"""
from services.kit.rules import RuleBroken


class CodedError(Exception):
    """`extra`: further JSON-ready facts for the caller (ids and times, never
    personal data), such as the free alternatives to a full slot."""

    def __init__(self, code, reason, **extra):
        self.rule = RuleBroken(code, reason, **extra)
        super().__init__(self.rule.message())
        self.code = code
        self.reason = reason
        self.extra = extra

    @classmethod
    def from_rule(cls, broken):
        return cls(broken.code, broken.reason, **broken.extra)
