"""Dates and times in words, as GOV.UK pages write them, in the council's
time zone: Tuesday 1 December 2026, 9:30am on Tuesday 1 December 2026."""
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

# The council's time zone; the pages of every journey show times in it.
LOCAL_TIMEZONE = ZoneInfo("Europe/London")


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO string; None if it is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def local_moment(value: Any) -> dt.datetime | None:
    """An ISO time (or an aware datetime) in the council's time zone."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TIMEZONE)


def local_today(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(LOCAL_TIMEZONE).date()


def date_text(value: Any) -> str:
    """2026-12-04 -> 4 December 2026."""
    day = as_date(value)
    return f"{day.day} {day:%B %Y}" if day else ""


def day_text(value: Any) -> str:
    """A date, or an ISO time in council time -> Friday 4 December 2026."""
    day: dt.date | None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and len(value) == 10:
        day = as_date(value)
    else:
        moment = local_moment(value)
        day = moment.date() if moment else None
    return f"{day:%A} {day.day} {day:%B %Y}" if day else ""


def clock_text(value: Any) -> str:
    """An ISO time -> 9am, 9:30am, 12pm, 1:45pm, council time."""
    moment = local_moment(value)
    if moment is None:
        return ""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def when_text(value: Any) -> str:
    """9:30am on Tuesday 1 December 2026; a deadline at midnight reads as
    the end of the day before, which is what it means."""
    moment = local_moment(value)
    if moment is None:
        return ""
    if (moment.hour, moment.minute) == (0, 0):
        return f"the end of {day_text(moment.date() - dt.timedelta(days=1))}"
    return f"{clock_text(moment)} on {day_text(moment.date())}"
