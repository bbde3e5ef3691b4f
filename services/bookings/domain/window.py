"""What a triaged housing case may book, and when a booking may still change.

Every refusal is a RuleBroken, returned as the decision, with a stable code
and a reason a resident can read. Days are local dates in the council's
time zone; instants are aware datetimes.
"""
import dataclasses
import datetime as dt
import re

from services.bookings.domain.model import as_utc
from services.kit.rules import RuleBroken
from services.council.words import day_text  # noqa: F401 (callers use it from here)

_LANGUAGE = re.compile(r"^[^\W\d_](?:[^\W\d_]| |-)*[^\W\d_]$")


@dataclasses.dataclass(frozen=True)
class WindowSettings:
    high_working_days: int = 2
    standard_working_days: int = 5
    # Kept back at each office each day for emergency cases only.
    emergency_places_per_office_per_day: int = 2
    hold_minutes: int = 10
    change_cutoff_hours: int = 24
    reminder_hours_before: int = 24

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{field.name} must be a whole number of 0 or more")
        if self.hold_minutes < 1:
            raise ValueError("hold_minutes must be 1 or more")


@dataclasses.dataclass(frozen=True)
class Window:
    first_day: dt.date
    last_day: dt.date
    # Emergency cases may use the places kept back for them.
    ring_fenced: bool

    def contains(self, day):
        return self.first_day <= day <= self.last_day


def _plural(n, one, many):
    return f"{n} {one if n == 1 else many}"


# Someone who needs no case waits for a place this many days ahead.
WAITLIST_DAYS = 28


def booking_window(urgency, today, calendar, settings=WindowSettings()):
    """The days (a Window) a case of this urgency may book, from `today`
    (the local date of booking), or a RuleBroken: an advice-only case books
    nothing. Weekends and bank holidays do not use up working days, so the
    window stretches over them."""
    if urgency == "emergency":
        return Window(today, today, True)
    if urgency == "high":
        return Window(today, calendar.add_working_days(today, settings.high_working_days), False)
    if urgency == "standard":
        return Window(today, calendar.add_working_days(today, settings.standard_working_days),
                      False)
    if urgency == "advice":
        return RuleBroken(
            "advice_only",
            "Your answers mean you do not need an appointment. Please read the advice about "
            "your situation instead. A housing officer will still look at your answers, and "
            "you can contact us straight away if things change.")
    raise ValueError(f"unknown urgency {urgency!r}")


def waitlist_days(window, today):
    """The first and last day a place offered from the waiting list may
    fall on: the case's window from today, or the next WAITLIST_DAYS days
    for an appointment that needs no case (`window` None)."""
    if window is None:
        return today, today + dt.timedelta(days=WAITLIST_DAYS)
    return max(today, window.first_day), window.last_day


def outside_window(window, slot_local_date):
    """A RuleBroken when the slot's local date is not in the window, else
    None."""
    if isinstance(slot_local_date, dt.datetime):
        # A UTC instant can be on the wrong local day; the caller must convert.
        raise TypeError("pass the slot's local date, not a datetime")
    if window.contains(slot_local_date):
        return None
    if window.first_day == window.last_day:
        reason = (f"You can only book an appointment on {day_text(window.first_day)}. "
                  "Choose a time on that day.")
    elif slot_local_date > window.last_day:
        reason = f"You can book up to {day_text(window.last_day)}. Choose an earlier time."
    else:
        reason = (f"You can book from {day_text(window.first_day)} up to "
                  f"{day_text(window.last_day)}. Choose a later time.")
    return RuleBroken("outside_window", reason)


def can_change(start, now, settings=WindowSettings()):
    """Whether a booking starting at `start` may still be moved or cancelled
    online: up to exactly the cut-off, not a minute after."""
    start, now = as_utc(start, "start"), as_utc(now, "now")
    return now <= start - dt.timedelta(hours=settings.change_cutoff_hours)


def too_late_to_change(start, now, settings, phone):
    """A RuleBroken once the cut-off for changing online has passed, saying
    whom to call instead; else None."""
    if can_change(start, now, settings):
        return None
    hours = _plural(settings.change_cutoff_hours, "hour", "hours")
    return RuleBroken("too_late_to_change",
                      f"You can only change or cancel up to {hours} before your "
                      f"appointment. Call us instead on {phone}.")


def hold_expires_at(now, settings=WindowSettings()):
    """When a slot held while the resident confirms goes back on offer."""
    return as_utc(now, "now") + dt.timedelta(minutes=settings.hold_minutes)


def reminder_due_at(start, now, settings=WindowSettings()):
    """When to remind the resident, or None when that time has already
    passed: someone who books within the reminder period has just been told."""
    start, now = as_utc(start, "start"), as_utc(now, "now")
    due = start - dt.timedelta(hours=settings.reminder_hours_before)
    return None if due < now else due


def accessible(office, needs_step_free):
    """Whether to offer this office to someone who does or does not need
    step-free access."""
    return office.step_free or not needs_step_free


def normalise_language(text):
    """The language someone needs an interpreter for, tidied for staff to
    read: "  brazilian   portuguese" is "Brazilian Portuguese"."""
    cleaned = " ".join(text.split()).title() if isinstance(text, str) else ""
    if not 2 <= len(cleaned) <= 40 or not _LANGUAGE.match(cleaned):
        raise ValueError("Enter the language, like Polish")
    return cleaned
