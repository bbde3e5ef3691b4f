import datetime as dt

import icalendar

from services.bins.domain.calendar_feed import build, event_uid
from services.bins.domain.model import Collection, Service

STAMP = dt.datetime(2026, 3, 30, 9, 0, tzinfo=dt.timezone.utc)
EASTER = [
    Collection("REF-0001", Service.REFUSE, dt.date(2026, 4, 7), dt.date(2026, 4, 6)),
    Collection("FOOD-0001", Service.FOOD, dt.date(2026, 4, 7), dt.date(2026, 4, 6)),
    Collection("GDN-0001", Service.GARDEN, dt.date(2026, 4, 13), dt.date(2026, 4, 13)),
]


def parse(text):
    return icalendar.Calendar.from_ical(text)


def test_one_all_day_event_per_collection_with_a_calendar_name_and_refresh_hints():
    cal = parse(build("100090000001", "1 Cedar Lane, ZZ1 0AA", EASTER, STAMP))
    assert str(cal["version"]) == "2.0"
    assert str(cal["x-wr-calname"]) == "Bin days: 1 Cedar Lane, ZZ1 0AA"
    assert str(cal["name"]) == "Bin days: 1 Cedar Lane, ZZ1 0AA"
    assert cal["refresh-interval"].dt == dt.timedelta(days=1)
    assert cal["refresh-interval"].params["VALUE"] == "DURATION"
    assert str(cal["x-published-ttl"]) == "P1D"  # the text some calendar apps read
    events = cal.walk("VEVENT")
    assert len(events) == 3
    first = events[0]
    assert first["dtstart"].dt == dt.date(2026, 4, 7)  # a date, so all day
    assert not isinstance(first["dtstart"].dt, dt.datetime)
    assert first["dtend"].dt == dt.date(2026, 4, 8)
    assert str(first["summary"]) == "Food waste collection"
    assert "Moved from Monday 6 April" in str(first["description"])
    assert "Moved" not in str(events[2]["description"])


def test_uids_are_stable_and_follow_the_scheduled_date():
    one = parse(build("100090000001", "x", EASTER, STAMP))
    two = parse(build("100090000001", "x", EASTER, STAMP + dt.timedelta(days=1)))
    uids = [str(e["uid"]) for e in one.walk("VEVENT")]
    assert uids == [str(e["uid"]) for e in two.walk("VEVENT")]
    assert len(set(uids)) == 3
    # a bank holiday move keeps the UID, so subscribed calendars update in place
    moved = EASTER[0]
    unmoved = Collection(moved.round_id, moved.service, moved.scheduled_for,
                         moved.scheduled_for)
    assert event_uid("100090000001", moved) == event_uid("100090000001", unmoved)
