"""The base for errors a business rule raises across RPC.

The gateway maps a remote error by the end of its class name (Rejected 422,
Conflict 409, ...). A rule's error carries a stable code and a plain-English
reason, sent as the JSON message {"code", "reason"} so the gateway can show
both.
"""
import json


class CodedError(Exception):
    """`extra`: further JSON-ready facts for the caller (ids and times, never
    personal data), such as the free alternatives to a full slot."""

    def __init__(self, code, reason, **extra):
        super().__init__(json.dumps({"code": code, "reason": reason, **extra}))
        self.code = code
        self.reason = reason
        self.extra = extra
