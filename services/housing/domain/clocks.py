"""The deadlines of a triaged case as scheduled events ("clocks"), and what
happens when one comes due.

Clocks fall at the start or end of a local day in the council's time zone,
worked out with zoneinfo so a clock on a clock-change day is still at local
midnight; `due_at` is always in UTC for storage and comparison.
"""
import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from services.housing.domain.cases import CLOSED
from services.housing.domain.triage import Outcome

UTC = dt.timezone.utc
KINDS: tuple[str, ...] = ("notice_expiring", "duty_ending", "respond_by_passed",
                          "emergency_unassigned")
# Unanswered cases only: once someone has the case these are no longer news.
WHILE_UNASSIGNED = {"respond_by_passed", "emergency_unassigned"}
TO_SUPERVISORS = {"respond_by_passed", "emergency_unassigned"}
# Who hears about a clock that falls due.
CASEWORKER, SUPERVISORS = "caseworker", "supervisors"
AUDIENCES: tuple[str, ...] = (CASEWORKER, SUPERVISORS)


@dataclasses.dataclass(frozen=True)
class ClockSettings:
    warn_days_before: int = 7
    emergency_unassigned_minutes: int = 15
    timezone: str = "Europe/London"

    @property
    def tz(self):
        return ZoneInfo(self.timezone)


@dataclasses.dataclass(frozen=True)
class Clock:
    kind: str
    due_at: dt.datetime  # aware, UTC


def start_of_day(day, settings):
    # fold=0 gives the first instant of the day even where midnight falls in
    # a gap or repeats.
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=settings.tz).astimezone(UTC)


def end_of_day(day, settings):
    """The first instant after `day`, local time."""
    return start_of_day(day + dt.timedelta(days=1), settings)


def _date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def schedule(outcome, triaged_at, settings=ClockSettings()):
    """The clocks for one triage outcome (an Outcome or its to_dict()),
    earliest first."""
    if triaged_at.tzinfo is None or triaged_at.utcoffset() is None:
        raise ValueError("triaged_at must be an aware datetime")
    data = outcome.to_dict() if isinstance(outcome, Outcome) else outcome
    triaged_at = triaged_at.astimezone(UTC)
    local_today = triaged_at.astimezone(settings.tz).date()
    warn = dt.timedelta(days=settings.warn_days_before)
    clocks = []

    notice = _date(data.get("notice_expires_on"))
    if notice is not None and notice >= local_today:
        # A notice that is almost up already warns straight away.
        clocks.append(Clock("notice_expiring",
                            max(start_of_day(notice - warn, settings), triaged_at)))
    duty_ends = _date(data.get("duty_ends_on"))
    if duty_ends is not None:
        clocks.append(Clock("duty_ending",
                            max(start_of_day(duty_ends - warn, settings), triaged_at)))
    clocks.append(Clock("respond_by_passed",
                        end_of_day(_date(data["respond_by"]), settings)))
    if data["urgency"] == "emergency":
        clocks.append(Clock("emergency_unassigned",
                            triaged_at + dt.timedelta(
                                minutes=settings.emergency_unassigned_minutes)))
    return sorted(clocks, key=lambda c: (c.due_at, KINDS.index(c.kind)))


def _known(kind):
    if kind not in KINDS:
        raise ValueError(f"unknown clock {kind!r}")


def should_fire(kind, status, assigned_to):
    """Whether a clock that has come due still matters. Any status but
    "closed" counts as open."""
    _known(kind)
    if status == CLOSED:
        return False
    if kind in WHILE_UNASSIGNED:
        return not assigned_to
    return True


def escalate_to(kind, assigned_to):
    """Who hears about a clock: "supervisors" or "caseworker"."""
    _known(kind)
    if kind in TO_SUPERVISORS or not assigned_to:
        return SUPERVISORS
    return CASEWORKER
