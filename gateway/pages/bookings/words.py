"""Slots, holds and statuses on the booking pages, and the paths they link to."""
import datetime as dt
import hashlib
import math
from urllib.parse import quote, urlencode

from gateway.api.schemas.bookings import valid_id
from gateway.web.words import (LOCAL_TIMEZONE, clock_text, day_text,  # noqa: F401 (the pages)
                               local_moment, when_text)


def slot_value(slot):
    """A slot as a radio button's value: office id and UTC start."""
    return f"{slot['office_id']}|{slot['start']}"


def parse_slot_value(text):
    """(office id, start) from a radio button's value, or None."""
    if not isinstance(text, str) or len(text) > 100 or text.count("|") != 1:
        return None
    office_id, start = text.split("|")
    if not valid_id(office_id):
        return None
    try:
        moment = dt.datetime.fromisoformat(start)
    except ValueError:
        return None
    if moment.utcoffset() is None:
        return None
    return office_id, moment.astimezone(dt.timezone.utc).isoformat()


def group_by_day(slots, limit_days=None):
    """Slots in days, earliest first: [{"day", "label", "slots"}], each
    slot with `value` (for its radio) and `time` (in words)."""
    days = {}
    for slot in sorted(slots, key=lambda s: (s["start"], s["office_id"])):
        moment = local_moment(slot["start"])
        if moment is None:
            continue
        days.setdefault(moment.date(), []).append(
            {**slot, "value": slot_value(slot), "time": clock_text(slot["start"])})
    grouped = [{"day": day, "label": day_text(day), "id": f"slot-{day.isoformat()}",
                "slots": found} for day, found in sorted(days.items())]
    return grouped[:limit_days] if limit_days else grouped


def places_text(remaining):
    return "1 place left" if remaining == 1 else f"{remaining} places left"


def minutes_left(until, now=None):
    """Whole minutes until `until` (rounded up), 0 once it has passed."""
    moment = local_moment(until)
    if moment is None:
        return 0
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0, math.ceil((moment - now).total_seconds() / 60))


STATUS_WORDS = {
    "held": ("Not booked yet", "yellow"),
    "confirmed": ("Booked", "green"),
    "cancelled": ("Cancelled", "grey"),
    "expired": ("Not booked", "grey"),
}


def status_words(status):
    return STATUS_WORDS.get(status, ((status or "").capitalize(), "grey"))


def web_idempotency_key(submission, office_id, start):
    """A double-clicked "Continue" sends the same submission id twice: the
    same key, so the second click gets the first hold back."""
    return hashlib.sha256(f"web-hold\n{submission}\n{office_id}\n{start}".encode()).hexdigest()


def manage_path(reference, code):
    """The secret link to a booking: bookmark it to come back."""
    return f"/bookings/manage/{quote(reference)}?{urlencode({'code': code})}"


def calendar_path(reference, code):
    return f"/bookings/manage/{quote(reference)}/calendar.ics?{urlencode({'code': code})}"


def words():
    """The helpers the bookings templates call."""
    return {"day": day_text, "clock": clock_text, "when": when_text,
            "status": status_words, "places": places_text}
