"""A booking as an RFC 5545 calendar file, sent with the confirmation so a
resident can add it to their own calendar.

The UID stays the same for the life of a booking; a move sends the same UID
with a higher SEQUENCE and a cancellation sends METHOD:CANCEL, so calendar
apps update or remove the event they already have instead of adding another.
"""
import datetime as dt

import icalendar

from services.bookings.domain.model import as_utc

PRODID = "-//Townhall//Bookings//EN"
UTC = dt.timezone.utc
STATUS = {"REQUEST": "CONFIRMED", "CANCEL": "CANCELLED"}


def booking_ics(uid, sequence, start, end, summary, location, description,
                method="REQUEST", organiser_email=None, *, stamp=None):
    """The .ics bytes for one booking. `stamp` (DTSTAMP) is when the file was
    made; it defaults to now."""
    if method not in STATUS:
        raise ValueError(f"method must be REQUEST or CANCEL, not {method!r}")
    if not isinstance(uid, str) or not uid.strip():
        raise ValueError("uid must be some text")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise ValueError("sequence must be a whole number of 0 or more")
    # Always UTC ("Z"), so the file needs no VTIMEZONE.
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= start:
        raise ValueError("end must be after start")
    stamp = as_utc(stamp, "stamp") if stamp is not None else dt.datetime.now(UTC)

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.replace(microsecond=0))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    event.add("status", STATUS[method])
    event.add("transp", "OPAQUE")
    if organiser_email:
        event.add("organizer", f"mailto:{organiser_email}")
    cal.add_component(event)
    return cal.to_ical()
