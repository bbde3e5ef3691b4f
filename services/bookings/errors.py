"""What the bookings RPCs raise. The gateway maps an error by the end of its
class name (NotFound 404, Forbidden 403, Conflict 409, Rejected 422) and
shows the message word for word: plain English, no personal data.

A broken rule is a services.kit.rules.RuleBroken wherever it happens; the
RPC entrypoint sends it as SlotConflict or BookingRejected (`remote`)."""
from services.kit.errors import CodedError


class OfficeNotFound(Exception):
    pass


class TypeNotFound(Exception):
    pass


class SlotNotFound(Exception):
    pass


class BookingNotFound(Exception):
    """Also raised for a wrong secret, so references cannot be probed."""


class CaseNotFound(Exception):
    pass


class SlotConflict(CodedError):
    """The slot is full: `alternatives` lists the nearest free ones."""


class BookingRejected(CodedError):
    pass


def remote(broken):
    """The remote error a RuleBroken travels as."""
    return (SlotConflict if broken.conflict else BookingRejected).from_rule(broken)
