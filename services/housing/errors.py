"""What the housing RPCs raise. The gateway maps an error by the end of its
class name (NotFound 404, Forbidden 403, Conflict 409, Rejected 422) and
shows the message word for word: plain English, no personal data.

A broken rule is a services.kit.rules.RuleBroken wherever it happens; the
RPC entrypoint sends it as AssignmentConflict or CaseRejected (`remote`)."""
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


def remote(broken):
    """The remote error a RuleBroken travels as."""
    return (AssignmentConflict if broken.conflict else CaseRejected).from_rule(broken)
