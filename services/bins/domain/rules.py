"""Whether a resident may report a missed collection, and when it must be
put right. Every refusal is a RuleBroken: a stable code and a reason a
resident can read.

All times are aware datetimes; "today" and the cut-offs are the council's
local time (Europe/London by default), so a report at 00:30 BST belongs to
the right day across the clock changes.
"""
import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from services.bins.domain.model import EXCEPTION_KINDS, ExceptionKind, Service
from services.kit.rules import RuleBroken

# Why a report is refused: a stable code for each, and a reason in words.
SERVICE_NOT_PROVIDED = "service_not_provided"
NOT_SCHEDULED = "not_scheduled"
GARDEN_SUBSCRIPTION_INACTIVE = "garden_subscription_inactive"
COLLECTION_NOT_DUE = "collection_not_due"
CREW_STILL_WORKING = "crew_still_working"
REPORT_WINDOW_CLOSED = "report_window_closed"


def crew_exception(kind):
    """The code for a collection the crew logged an exception against."""
    return f"crew_exception_{ExceptionKind(kind).value}"


REJECTION_CODES: tuple[str, ...] = (
    SERVICE_NOT_PROVIDED, NOT_SCHEDULED, GARDEN_SUBSCRIPTION_INACTIVE, COLLECTION_NOT_DUE,
    CREW_STILL_WORKING, REPORT_WINDOW_CLOSED,
    *(crew_exception(kind) for kind in EXCEPTION_KINDS))


@dataclasses.dataclass(frozen=True)
class ReportSettings:
    timezone: str = "Europe/London"
    # When the window opens if the crew never marks the round complete.
    default_open_time: dt.time = dt.time(17, 0)
    # The window closes at the end of this many working days after the collection.
    window_working_days: int = 2
    # A report is put right by the end of this many working days after filing.
    return_visit_working_days: int = 1

    @property
    def tz(self):
        return ZoneInfo(self.timezone)


@dataclasses.dataclass(frozen=True)
class Window:
    opens_at: dt.datetime
    closes_at: dt.datetime  # exclusive

    def contains(self, moment):
        return self.opens_at <= moment < self.closes_at


@dataclasses.dataclass(frozen=True)
class Duplicate:
    """There is already an open report for this bin and collection."""
    reference: str


@dataclasses.dataclass(frozen=True)
class Accepted:
    due_by: dt.datetime


def _local(day, at, settings):
    return dt.datetime.combine(day, at, tzinfo=settings.tz)


def end_of_day(day, settings):
    """The first instant after `day` in the council's time zone."""
    return _local(day + dt.timedelta(days=1), dt.time(0, 0), settings)


def window(collection_date, completed_at, calendar, settings):
    # A crew that finishes early opens the window early; one that marks the
    # round complete late cannot hold it shut past the default time.
    opens = _local(collection_date, settings.default_open_time, settings)
    if completed_at is not None:
        opens = min(opens, completed_at)
    last_day = calendar.add_working_days(collection_date, settings.window_working_days)
    return Window(opens, end_of_day(last_day, settings))


def return_visit_due(filed_at, calendar, settings):
    today = filed_at.astimezone(settings.tz).date()
    return end_of_day(calendar.add_working_days(today, settings.return_visit_working_days),
                      settings)


def _time_text(moment):
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def _day_text(day):
    return f"{day:%A} {day.day} {day:%B}"


def check_missed_report(*, service, property_service, collection, completed_at,
                        exception, open_report, now, calendar, settings,
                        asked_for=None):
    """Decides one attempt to report a missed collection.

    property_service: the PropertyService for this property and service, or
        None if the property does not receive it.
    collection: the Collection being reported, or None when none was due
        (on `asked_for`, the date the resident gave, if any).
    completed_at: when the crew marked that round complete, or None.
    exception: the ExceptionKind the crew logged for this property and
        collection, or None.
    open_report: the reference of an open report for the same property,
        service and collection, or None.
    """
    name = Service(service).label.lower()
    if property_service is None:
        return RuleBroken(SERVICE_NOT_PROVIDED,
                          f"Your property does not have a {name} collection.")
    if collection is None:
        when = f" on {_day_text(asked_for)}" if asked_for else " recently"
        return RuleBroken(NOT_SCHEDULED,
                          f"There was no {name} collection for your property{when}.")
    day = collection.date
    if not property_service.active_on(day):
        return RuleBroken(GARDEN_SUBSCRIPTION_INACTIVE,
                          f"Your garden waste subscription was not active on {_day_text(day)}. "
                          "Garden waste is only collected for subscribers.")
    if open_report is not None:
        return Duplicate(open_report)

    local_now = now.astimezone(settings.tz)
    win = window(day, completed_at, calendar, settings)
    if local_now.date() < day:
        return RuleBroken(COLLECTION_NOT_DUE,
                          f"Your {name} collection is on {_day_text(day)}. You can report "
                          "it as missed after the crew have been.")
    if now < win.opens_at:
        opens = win.opens_at.astimezone(settings.tz)
        return RuleBroken(CREW_STILL_WORKING,
                          "The crew are still working in your area today. You can report a "
                          f"missed collection from {_time_text(opens)}, or as soon as they "
                          "finish.")
    if now >= win.closes_at:
        last = (win.closes_at - dt.timedelta(days=1)).astimezone(settings.tz).date()
        return RuleBroken(REPORT_WINDOW_CLOSED,
                          f"It is too late to report this collection as missed. Missed "
                          f"collections must be reported by the end of {_day_text(last)}.")
    if exception is not None:
        kind = ExceptionKind(exception)
        return RuleBroken(crew_exception(kind),
                          f"The crew recorded that {kind.resident_text} on {_day_text(day)}, "
                          "so we cannot send them back for this collection.")
    return Accepted(return_visit_due(now, calendar, settings))
