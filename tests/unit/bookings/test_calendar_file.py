"""The .ics sent with a booking: parsed back with icalendar, as a calendar
app would read it."""
import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from services.bookings.domain.calendar_file import PRODID, booking_ics

UTC = dt.timezone.utc
LONDON = ZoneInfo("Europe/London")
UID = "5f0c2a1e-booking@townhall"
STAMP = dt.datetime(2026, 6, 20, 9, 30, tzinfo=UTC)
# 10:00 BST on Wednesday 1 July 2026, for an hour
START = dt.datetime(2026, 7, 1, 10, tzinfo=LONDON)
END = dt.datetime(2026, 7, 1, 11, tzinfo=LONDON)


def ics(sequence=0, method="REQUEST", start=START, end=END, **more):
    return booking_ics(UID, sequence, start, end, "Housing options (BK-7QK2-9XW3)",
                       "Civic Centre, 1 High Street, ZZ1 0AA",
                       "Bring your notice; and photo ID.\nAsk at reception.",
                       method=method, stamp=STAMP, **more)


def event(data):
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def test_a_new_booking():
    data = ics()
    assert isinstance(data, bytes)
    cal, ev = event(data)
    assert str(cal["prodid"]) == PRODID == "-//Townhall//Bookings//EN"
    assert str(cal["version"]) == "2.0"
    assert str(cal["method"]) == "REQUEST"
    assert str(ev["uid"]) == UID
    assert int(ev["sequence"]) == 0
    assert str(ev["status"]) == "CONFIRMED"
    assert str(ev["summary"]) == "Housing options (BK-7QK2-9XW3)"
    assert str(ev["location"]) == "Civic Centre, 1 High Street, ZZ1 0AA"
    # commas, semicolons and line breaks survive the escaping
    assert str(ev["description"]) == "Bring your notice; and photo ID.\nAsk at reception."
    assert ev["dtstamp"].dt == STAMP
    assert "ORGANIZER" not in data.decode()


def test_times_are_in_utc_whatever_zone_they_came_in():
    data = ics()
    _, ev = event(data)
    assert ev["dtstart"].dt == dt.datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert ev["dtend"].dt == dt.datetime(2026, 7, 1, 10, tzinfo=UTC)
    assert ev["dtstart"].dt.utcoffset() == dt.timedelta(0)
    text = data.decode()
    assert "DTSTART:20260701T090000Z\r\n" in text
    assert "DTEND:20260701T100000Z\r\n" in text
    assert "VTIMEZONE" not in text


def test_a_move_keeps_the_uid_with_a_higher_sequence():
    start = dt.datetime(2026, 7, 3, 14, tzinfo=LONDON)
    _, first = event(ics())
    _, moved = event(ics(1, start=start, end=start + dt.timedelta(hours=1)))
    assert str(moved["uid"]) == str(first["uid"])
    assert int(moved["sequence"]) == 1 > int(first["sequence"])
    assert str(moved["status"]) == "CONFIRMED"
    assert moved["dtstart"].dt == dt.datetime(2026, 7, 3, 13, tzinfo=UTC)


def test_a_cancellation():
    cal, ev = event(ics(2, method="CANCEL"))
    assert str(cal["method"]) == "CANCEL"
    assert str(ev["status"]) == "CANCELLED"
    assert str(ev["uid"]) == UID
    assert int(ev["sequence"]) == 2


def test_the_organiser_when_given():
    _, ev = event(ics(organiser_email="bookings@council.example.gov.uk"))
    assert str(ev["organizer"]) == "mailto:bookings@council.example.gov.uk"


def test_the_stamp_defaults_to_now():
    before = dt.datetime.now(UTC).replace(microsecond=0)
    data = booking_ics(UID, 0, START, END, "s", "l", "d")
    _, ev = event(data)
    assert before <= ev["dtstamp"].dt <= dt.datetime.now(UTC)


@pytest.mark.parametrize("changes, message", [
    ({"method": "PUBLISH"}, "method must be REQUEST or CANCEL"),
    ({"sequence": -1}, "sequence must be a whole number"),
    ({"start": dt.datetime(2026, 7, 1, 10)}, "start must be an aware datetime"),
    ({"end": START}, "end must be after start"),
])
def test_mistakes(changes, message):
    args = {"sequence": 0, "method": "REQUEST", "start": START, "end": END, **changes}
    with pytest.raises(ValueError, match=message):
        ics(**args)
