"""What the bins RPCs raise. The gateway maps an error by the end of its
class name (NotFound 404, Forbidden 403, Rejected 422) and shows the message
to the caller word for word: plain English, no personal data."""
import json


class PropertyNotFound(Exception):
    pass


class RoundNotFound(Exception):
    pass


class ReportNotFound(Exception):
    """Also raised for a wrong secret, so references cannot be probed."""


class RoundForbidden(Exception):
    pass


class _Coded(Exception):
    """A rule said no: the message is a JSON object {"code", "reason"}."""

    def __init__(self, code, reason):
        super().__init__(json.dumps({"code": code, "reason": reason}))
        self.code = code
        self.reason = reason


class ReportRejected(_Coded):
    pass


class RoundRejected(_Coded):
    pass
