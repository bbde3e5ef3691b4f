"""What the bookings domain talks about: offices, appointment types, advisers
and the slots they make.

Opening hours and working patterns are local wall-clock times; slots are
instants in UTC. The service keeps offices, types and advisers as rows and
JSON, so each has a `from_dict` (times as "09:00", dates as ISO strings) and
a `to_dict` that round-trips. Anything that does not make sense raises
ValueError with a message an administrator can act on.
"""
import dataclasses
import datetime as dt
import re
import types
from collections.abc import Mapping

# The first part of every booking's reference: BK-2XQ9-41.
REFERENCE_PREFIX: str = "BK"
# A booking is held while the person completes the form, then confirmed; it
# ends cancelled, or expired if the hold ran out.
BOOKING_STATUSES: tuple[str, ...] = ("held", "confirmed", "cancelled", "expired")

UTC = dt.timezone.utc
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_DURATION_MINUTES = 8 * 60
MAX_BUFFER_MINUTES = 120

_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


# --- Parsing helpers ---------------------------------------------------------

def _text(value, what):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be some text")
    return value.strip()


def _whole(value, what):
    # bool is an int to Python, but True is never a number of minutes.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    return value


def _flag(value, what):
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false, not {value!r}")
    return value


def _time(value, what):
    if isinstance(value, dt.time):
        parsed = value
    elif isinstance(value, str) and _TIME.match(value.strip()):
        try:
            parsed = dt.time.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{what}: {value!r} is not a time of day") from None
    else:
        raise ValueError(f"{what}: {value!r} is not a time: use the 24-hour clock, like 09:00")
    if parsed.tzinfo is not None:
        raise ValueError(f"{what}: give a local time without a time zone")
    return parsed


def _date(value, what):
    if isinstance(value, dt.datetime):
        raise ValueError(f"{what}: {value!r} is a date and time, not a date")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: {value!r} is not a date: use YYYY-MM-DD") from None


def _weekday(key, what):
    day = key
    if isinstance(key, str):
        name = key.strip().capitalize()
        if name in WEEKDAYS:
            return WEEKDAYS.index(name)
        if key.strip().isdigit():
            day = int(key.strip())
    if isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6:
        return day
    raise ValueError(f"{what}: {key!r} is not a weekday: use 0 (Monday) to 6 (Sunday)")


def _hhmm(t):
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")


def _ids(value, what):
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValueError(f"{what} must be a list of ids")
    return frozenset(_text(v, what) for v in value)


def _week(value, what):
    """weekday -> sorted spans of (start, end), read-only. Spans on one day
    may not overlap; a day with no spans is left out."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must map weekdays to lists of times")
    week = {}
    for key, spans in value.items():
        day = _weekday(key, what)
        label = f"{what} on {WEEKDAYS[day]}"
        if day in week:
            raise ValueError(f"{label} are given twice")
        if isinstance(spans, (str, Mapping)) or not hasattr(spans, "__iter__"):
            raise ValueError(f"{label} must be a list of [start, end] pairs")
        parsed = []
        for span in spans:
            if isinstance(span, (str, Mapping)) or len(span) != 2:
                raise ValueError(f"{label} must be [start, end] pairs, not {span!r}")
            start, end = _time(span[0], label), _time(span[1], label)
            if end <= start:
                raise ValueError(f"{label}: {_hhmm(end)} must be after {_hhmm(start)}")
            parsed.append((start, end))
        parsed.sort()
        for (_, end), (start, later_end) in zip(parsed, parsed[1:]):
            if start < end:
                raise ValueError(f"{label} overlap: {_hhmm(start)} to {_hhmm(later_end)} "
                                 f"starts before {_hhmm(end)}")
        if parsed:
            week[day] = tuple(parsed)
    return types.MappingProxyType(dict(sorted(week.items())))


def _week_dict(week):
    return {str(day): [[_hhmm(a), _hhmm(b)] for a, b in spans] for day, spans in week.items()}


def _required(data, keys, what):
    if not isinstance(data, Mapping):
        raise ValueError(f"{what} must be a mapping, not {type(data).__name__}")
    missing = [k for k in keys if k not in data]
    if missing:
        raise ValueError(f"{what} is missing {', '.join(missing)}")


# --- The model ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Office:
    id: str
    name: str
    address: str
    step_free: bool
    # weekday (0 is Monday) -> ((open, close), ...) local; several spans make
    # a lunch closure. Read-only, and left out of the hash so an Office can
    # still be a dict key.
    hours: Mapping = dataclasses.field(hash=False)
    closures: frozenset = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "id", _text(self.id, "office id"))
        object.__setattr__(self, "name", _text(self.name, f"office {self.id} name"))
        object.__setattr__(self, "address", _text(self.address, f"office {self.id} address"))
        _flag(self.step_free, f"office {self.id} step_free")
        object.__setattr__(self, "hours", _week(self.hours, f"office {self.id} hours"))
        if isinstance(self.closures, str) or not hasattr(self.closures, "__iter__"):
            raise ValueError(f"office {self.id} closures must be a list of dates")
        object.__setattr__(self, "closures", frozenset(
            _date(d, f"office {self.id} closures") for d in self.closures))

    def spans_on(self, weekday):
        return self.hours.get(weekday, ())

    @classmethod
    def from_dict(cls, data):
        _required(data, ("id", "name", "address", "hours"), "office")
        return cls(id=data["id"], name=data["name"], address=data["address"],
                   # Never claim step-free access nobody recorded.
                   step_free=data.get("step_free", False), hours=data["hours"],
                   closures=data.get("closures") or ())

    def to_dict(self):
        return {"id": self.id, "name": self.name, "address": self.address,
                "step_free": self.step_free, "hours": _week_dict(self.hours),
                "closures": sorted(d.isoformat() for d in self.closures)}


@dataclasses.dataclass(frozen=True)
class AppointmentType:
    id: str
    name: str
    duration_minutes: int
    buffer_minutes: int  # after each appointment, for notes; not bookable
    office_ids: frozenset
    advisers_at_once: int  # appointments of this type one office runs side by side
    needs_case: bool  # only for a triaged housing case

    def __post_init__(self):
        object.__setattr__(self, "id", _text(self.id, "appointment type id"))
        what = f"appointment type {self.id}"
        object.__setattr__(self, "name", _text(self.name, f"{what} name"))
        duration = _whole(self.duration_minutes, f"{what} duration_minutes")
        if not 0 < duration <= MAX_DURATION_MINUTES:
            raise ValueError(f"{what} must last more than 0 and at most "
                             f"{MAX_DURATION_MINUTES} minutes (8 hours), not {duration}")
        buffer = _whole(self.buffer_minutes, f"{what} buffer_minutes")
        if not 0 <= buffer <= MAX_BUFFER_MINUTES:
            raise ValueError(f"{what} buffer must be 0 to {MAX_BUFFER_MINUTES} minutes, "
                             f"not {buffer}")
        object.__setattr__(self, "office_ids", _ids(self.office_ids, f"{what} office_ids"))
        if _whole(self.advisers_at_once, f"{what} advisers_at_once") < 1:
            raise ValueError(f"{what} advisers_at_once must be 1 or more, "
                             f"not {self.advisers_at_once}")
        _flag(self.needs_case, f"{what} needs_case")

    @property
    def duration(self):
        return dt.timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self):
        return dt.timedelta(minutes=self.buffer_minutes)

    @classmethod
    def from_dict(cls, data):
        _required(data, ("id", "name", "duration_minutes", "office_ids"), "appointment type")
        return cls(id=data["id"], name=data["name"],
                   duration_minutes=data["duration_minutes"],
                   buffer_minutes=data.get("buffer_minutes", 0),
                   office_ids=data["office_ids"],
                   advisers_at_once=data.get("advisers_at_once", 1),
                   needs_case=data.get("needs_case", False))

    def to_dict(self):
        return {"id": self.id, "name": self.name, "duration_minutes": self.duration_minutes,
                "buffer_minutes": self.buffer_minutes, "office_ids": sorted(self.office_ids),
                "advisers_at_once": self.advisers_at_once, "needs_case": self.needs_case}


def case_types(types, urgencies):
    """{urgency: type id}: the appointment type a triaged case of each
    urgency books, one that needs a case and is kept for that urgency (the
    first by id). `urgencies` maps a type's id to the urgencies it is kept for."""
    found = {}
    for appt_type in sorted(types, key=lambda t: t.id):
        if appt_type.needs_case:
            for urgency in sorted(urgencies.get(appt_type.id) or ()):
                found.setdefault(urgency, appt_type.id)
    return found


def missing_references(kind, body, office_ids, type_ids):
    """{field: [message]} for the offices or appointment types a change to
    the setup (`kind` "type" or "adviser") names that do not exist."""
    problems = {}
    if kind == "type":
        unknown = [o for o in body["office_ids"] if o not in office_ids]
        if unknown:
            problems["office_ids"] = ["There is no office " + ", ".join(unknown)]
    if kind == "adviser":
        if body["office_id"] not in office_ids:
            problems["office_id"] = [f"There is no office {body['office_id']}"]
        unknown = [t for t in body["type_ids"] if t not in type_ids]
        if unknown:
            problems["type_ids"] = ["There is no appointment type " + ", ".join(unknown)]
    return problems


@dataclasses.dataclass(frozen=True)
class Adviser:
    id: str
    office_id: str
    type_ids: frozenset
    # weekday -> ((start, end), ...) local, as Office.hours
    pattern: Mapping = dataclasses.field(hash=False)

    def __post_init__(self):
        object.__setattr__(self, "id", _text(self.id, "adviser id"))
        what = f"adviser {self.id}"
        object.__setattr__(self, "office_id", _text(self.office_id, f"{what} office_id"))
        object.__setattr__(self, "type_ids", _ids(self.type_ids, f"{what} type_ids"))
        object.__setattr__(self, "pattern", _week(self.pattern, f"{what} pattern"))

    def spans_on(self, weekday):
        return self.pattern.get(weekday, ())

    @classmethod
    def from_dict(cls, data):
        _required(data, ("id", "office_id", "type_ids", "pattern"), "adviser")
        return cls(id=data["id"], office_id=data["office_id"], type_ids=data["type_ids"],
                   pattern=data["pattern"])

    def to_dict(self):
        return {"id": self.id, "office_id": self.office_id, "type_ids": sorted(self.type_ids),
                "pattern": _week_dict(self.pattern)}


def as_utc(value, what):
    """An aware datetime in UTC; a naive one (or anything else) is refused.
    Arithmetic on a datetime in a local zone is wall-clock arithmetic, so
    "24 hours before" would be 23 or 25 real hours across a clock change."""
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")
    return value.astimezone(UTC)


@dataclasses.dataclass(frozen=True)
class Slot:
    office_id: str
    type_id: str
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC: start + duration, whatever the clocks do
    capacity: int  # appointments that can run at once

    def __post_init__(self):
        object.__setattr__(self, "start", as_utc(self.start, "slot start"))
        object.__setattr__(self, "end", as_utc(self.end, "slot end"))
        if self.end <= self.start:
            raise ValueError("a slot must end after it starts")
        if _whole(self.capacity, "slot capacity") < 0:
            raise ValueError("slot capacity cannot be negative")

    @property
    def key(self):
        return (self.office_id, self.type_id, self.start)

    def local_start(self, tz):
        return self.start.astimezone(tz)

    def local_end(self, tz):
        return self.end.astimezone(tz)
