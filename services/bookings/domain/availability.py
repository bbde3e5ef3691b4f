"""The slots an office can offer for one appointment type, with real capacity.

Opening hours and working patterns are local wall-clock times. Each slot's
start is a local wall time turned into an instant with zoneinfo, and its end
is that instant plus the duration, so an appointment that crosses a clock
change still lasts as long as it should. Comparisons with closing times and
working patterns are between instants, for the same reason.

Capacity here is what the office could run; the service takes away what is
already booked or held.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from services.bookings.domain.model import Slot, as_utc

UTC = dt.timezone.utc
# The most days one search for free times covers.
MAX_DAYS = 62


def _zone(tz):
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _instant(day, at, tz):
    # fold=0: an ambiguous autumn time means its first occurrence.
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _exists(wall, tz):
    """False for a wall time the clocks skip in spring: it does not survive
    a round trip through UTC."""
    back = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    return back.replace(tzinfo=None) == wall


def _covers(spans, start, end):
    """Whether [start, end] lies inside `spans` (sorted instants), treating
    spans that touch, like 09:00-12:00 and 12:00-17:00, as one."""
    reach = None
    for a, b in spans:
        if reach is not None and a <= reach:
            reach = max(reach, b)
        elif a <= start:
            reach = b
        else:
            break
    return reach is not None and end <= reach


def is_open(office, day, calendar):
    """Whether the office opens at all on `day`."""
    return (bool(office.spans_on(day.weekday())) and day not in office.closures
            and not calendar.is_bank_holiday(day))


def slots_for_day(office, appt_type, advisers, day, calendar, tz):
    """The slots of `appt_type` at `office` on the local date `day`, earliest
    first, leaving out any no adviser could take."""
    tz = _zone(tz)
    if office.id not in appt_type.office_ids or not is_open(office, day, calendar):
        return []
    weekday = day.weekday()
    shifts = [[(_instant(day, a, tz), _instant(day, b, tz)) for a, b in adv.spans_on(weekday)]
              for adv in advisers
              if adv.office_id == office.id and appt_type.id in adv.type_ids]
    duration, buffer = appt_type.duration, appt_type.buffer
    step = duration + buffer
    slots = []
    for opens, closes in office.spans_on(weekday):
        closes_at = _instant(day, closes, tz)
        wall = dt.datetime.combine(day, opens)
        free_from = None
        while wall.date() == day and wall.time() < closes:
            this, wall = wall, wall + step
            if not _exists(this, tz):
                continue
            start = this.replace(tzinfo=tz).astimezone(UTC)
            # Steps are in wall time, so after the spring gap the next start
            # can fall inside the last slot; never let a span's slots overlap.
            if free_from is not None and start < free_from:
                continue
            busy_until = start + duration + buffer
            if busy_until > closes_at:
                break
            free_from = busy_until
            staff = sum(1 for spans in shifts if _covers(spans, start, busy_until))
            capacity = min(appt_type.advisers_at_once, staff)
            if capacity > 0:
                slots.append(Slot(office.id, appt_type.id, start, start + duration, capacity))
    return slots


def slots_between(office, appt_type, advisers, first_day, last_day, calendar, tz):
    """slots_for_day for each day from first_day to last_day inclusive."""
    if last_day < first_day:
        raise ValueError("last_day must be on or after first_day")
    days = (last_day - first_day).days + 1
    if days > MAX_DAYS:
        raise ValueError(f"ask for at most {MAX_DAYS} days of slots at once, not {days}")
    slots = []
    for n in range(days):
        day = first_day + dt.timedelta(days=n)
        slots += slots_for_day(office, appt_type, advisers, day, calendar, tz)
    return slots


def nearest(candidates, around, count=3):
    """The `count` slots starting nearest to `around` (the earlier on a tie),
    returned in time order for a resident to choose from. The caller passes
    only slots with free places."""
    around = as_utc(around, "around")
    if count < 0:
        raise ValueError("count cannot be negative")
    closest = sorted(candidates, key=lambda s: (abs(s.start - around), s.start))[:count]
    return sorted(closest, key=lambda s: (s.start, s.office_id, s.type_id))
