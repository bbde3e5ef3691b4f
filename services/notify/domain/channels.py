"""Which channel to tell a resident by, and what a failed send means.

A resident chooses email, text message or nothing. We try their choice first;
if it fails for good (a bounced address, a number that is not a mobile) we
try the other address they gave us, unless they asked for one safe channel
only: for someone at risk of abuse a message on another device could be seen
by the wrong person, so then we never fall back.

A failure is permanent (this address will never work: fall back or give up)
or temporary (try the same address again later, waiting longer each time).
"""
import dataclasses
import enum
import math

from services.council.contact import EMAIL, NONE, PREFERENCES, SMS

# What GOV.UK Notify's delivery receipts say of a message.
RECEIPT_STATUSES: tuple[str, ...] = ("delivered", "permanent-failure", "temporary-failure",
                                     "technical-failure")

BACKOFF_BASE_SECONDS = 10
BACKOFF_CAP_SECONDS = 60 * 60
# A Retry-After longer than this is a broken header, not advice.
RETRY_AFTER_CAP_SECONDS = 24 * 60 * 60


@dataclasses.dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None
    preferred: str  # email, sms or none
    safe_channel_only: bool = False

    def __post_init__(self):
        if self.preferred not in PREFERENCES:
            raise ValueError(f"preferred must be email, sms or none, not {self.preferred!r}")

    def address(self, channel):
        """The address for `channel`, or None if there is none (blank counts
        as none)."""
        if channel not in (EMAIL, SMS):
            raise ValueError(f"{channel!r} is not a channel; use email or sms")
        value = self.email if channel == EMAIL else self.phone
        return value.strip() if isinstance(value, str) and value.strip() else None


def choose(contact):
    """The channels to try, in order: the preferred one if we have its
    address, then the other if we have that address (used only after a
    permanent failure, or when the preferred one has no address). None when
    the resident chose none; only the preferred one when they asked for one
    safe channel."""
    if contact.preferred == NONE:
        return []
    first = contact.preferred
    order = [first] if contact.address(first) else []
    if contact.safe_channel_only:
        return order
    other = SMS if first == EMAIL else EMAIL
    if contact.address(other):
        order.append(other)
    return order


class Failure(enum.StrEnum):
    PERMANENT = "permanent"  # never works for this address: fall back or give up
    TEMPORARY = "temporary"  # may work later: retry the same address after backoff()


# Notify's API error names and its delivery statuses (from its callbacks).
_BY_NAME = {
    "ValidationError": Failure.PERMANENT,       # 400: not a mobile number, bad address
    "BadRequestError": Failure.PERMANENT,       # 400: e.g. a team key and an outside recipient
    "permanent-failure": Failure.PERMANENT,     # bounced address, number does not exist
    "RateLimitError": Failure.TEMPORARY,        # 429: too many requests a second
    "TooManyRequestsError": Failure.TEMPORARY,  # 429: the daily limit
    "temporary-failure": Failure.TEMPORARY,     # inbox full, phone off
    "technical-failure": Failure.TEMPORARY,     # between Notify and its provider
    # Our key or configuration, not the resident's address: falling back or
    # giving up would lose the message; retrying gives someone time to fix it.
    "AuthError": Failure.TEMPORARY,
}


def classify(status_code=None, error_name=None, timeout=False):
    """Whether a failed send is permanent or temporary. Notify's error name
    is the surest sign, then the HTTP status. When nothing is known (no
    answer at all) it is temporary: retrying costs a little time, while
    calling it permanent could lose a message that would have gone."""
    if timeout:
        return Failure.TEMPORARY
    if error_name in _BY_NAME:
        return _BY_NAME[error_name]
    if status_code is None:
        return Failure.TEMPORARY
    if isinstance(status_code, bool) or not isinstance(status_code, int) or status_code < 400:
        raise ValueError(f"{status_code!r} is not an HTTP error status")
    if status_code >= 500 or status_code in (401, 403, 408, 429):
        return Failure.TEMPORARY
    return Failure.PERMANENT  # any other 4xx: Notify will never accept this request


def _retry_after_seconds(value):
    """Retry-After as seconds (a number, or a header's digits), or None. An
    HTTP-date is for the caller to turn into seconds."""
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if math.isnan(value) or value < 0:
        return None
    return float(min(value, RETRY_AFTER_CAP_SECONDS))


def backoff(attempt, retry_after=None, base=BACKOFF_BASE_SECONDS):
    """Seconds to wait before retry number `attempt` (1 is the first retry):
    10, 20, 40 ... (from `base`) doubling up to an hour. A Retry-After from the server (a
    429) is what it asked for, so it is used as given."""
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValueError(f"attempt must be a whole number of 1 or more, not {attempt!r}")
    asked = _retry_after_seconds(retry_after)
    if asked is not None:
        return asked
    # Past the cap the exponent only grows; stop before the number gets huge.
    doublings = min(attempt - 1, 32)
    return float(min(base * 2 ** doublings, BACKOFF_CAP_SECONDS))
