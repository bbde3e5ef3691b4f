"""What the housing RPCs raise. The gateway maps an error by the end of its
class name (NotFound 404, Forbidden 403, Conflict 409, Rejected 422) and
shows the message word for word: plain English, no personal data."""
from services.kit.errors import CodedError


class TriageNotFound(Exception):
    """An unknown or expired resume code."""


class CaseNotFound(Exception):
    """Also raised for a wrong secret, so references cannot be probed."""


class StepNotFound(Exception):
    pass


class AuditForbidden(Exception):
    pass


class AssignmentConflict(CodedError):
    pass


class CaseRejected(CodedError):
    pass
