"""What the bins RPCs raise. The gateway maps an error by the end of its
class name (NotFound 404, Forbidden 403, Rejected 422) and shows the message
to the caller word for word: plain English, no personal data."""
from services.kit.errors import CodedError


class PropertyNotFound(Exception):
    pass


class RoundNotFound(Exception):
    pass


class ReportNotFound(Exception):
    """Also raised for a wrong secret, so references cannot be probed."""


class RoundForbidden(Exception):
    pass


class ReportRejected(CodedError):
    pass


class RoundRejected(CodedError):
    pass
