"""The base for errors a business rule raises across RPC.

The gateway maps a remote error by the end of its class name (Rejected 422,
Conflict 409, ...). A rule's error carries a stable code and a plain-English
reason, sent as the JSON message {"code", "reason"} so the gateway can show
both.
"""
import json


class CodedError(Exception):
    def __init__(self, code, reason):
        super().__init__(json.dumps({"code": code, "reason": reason}))
        self.code = code
        self.reason = reason
