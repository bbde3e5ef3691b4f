"""Slots from opening hours and advisers' patterns: lunch breaks, closures,
bank holidays, buffers, real capacity and the clock changes."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.bookings.domain.availability import (
    MAX_DAYS, is_open, nearest, slots_between, slots_for_day)
from services.bookings.domain.model import Adviser, AppointmentType, Office, Slot
from services.council.workdays import england_and_wales

D = dt.date
T = dt.time
UTC = dt.timezone.utc
LONDON = ZoneInfo("Europe/London")
CAL = england_and_wales(range(2025, 2029))
WEEKDAYS = range(5)
WINTER = D(2026, 12, 2)  # a Wednesday in GMT, so local time is UTC
SUMMER = D(2026, 7, 1)  # a Wednesday in BST


def office(hours=None, closures=(), step_free=True, id="civic"):
    hours = hours or {d: [("09:00", "12:30"), ("13:30", "17:00")] for d in WEEKDAYS}
    return Office.from_dict({"id": id, "name": "Civic Centre", "address": "1 High Street",
                             "step_free": step_free, "hours": hours, "closures": closures})


def kind(duration=60, buffer=0, at_once=3, offices=("civic",), id="housing_options"):
    return AppointmentType(id, "Housing options", duration, buffer, frozenset(offices),
                           at_once, True)


def adviser(id, start="08:00", end="18:00", days=WEEKDAYS, office_id="civic",
            types=("housing_options",), pattern=None):
    pattern = pattern or {d: [(start, end)] for d in days}
    return Adviser.from_dict({"id": id, "office_id": office_id, "type_ids": list(types),
                              "pattern": pattern})


STAFF = [adviser("a"), adviser("b"), adviser("c")]


def local_starts(slots):
    return [s.local_start(LONDON).strftime("%H:%M") for s in slots]


def day_slots(day=WINTER, o=None, k=None, staff=STAFF):
    return slots_for_day(o or office(), k or kind(), staff, day, CAL, LONDON)


def test_a_day_with_a_lunch_break():
    slots = day_slots()
    # 12:00 would run to 13:00, past the 12:30 lunch closure; 16:30 past 17:00
    assert local_starts(slots) == ["09:00", "10:00", "11:00", "13:30", "14:30", "15:30"]
    first = slots[0]
    assert first == Slot("civic", "housing_options", dt.datetime(2026, 12, 2, 9, tzinfo=UTC),
                         dt.datetime(2026, 12, 2, 10, tzinfo=UTC), 3)


def test_summer_slots_are_stored_in_utc():
    slots = day_slots(SUMMER)
    assert local_starts(slots)[0] == "09:00"
    assert slots[0].start == dt.datetime(2026, 7, 1, 8, tzinfo=UTC)
    assert slots[0].end == dt.datetime(2026, 7, 1, 9, tzinfo=UTC)


def test_the_zone_may_be_given_by_name():
    assert slots_for_day(office(), kind(), STAFF, SUMMER, CAL, "Europe/London") == \
        day_slots(SUMMER)


@pytest.mark.parametrize("day, why", [
    (D(2026, 12, 25), "Christmas Day, a Friday"),
    (D(2026, 12, 28), "the substitute for Boxing Day, a Monday"),
    (D(2026, 4, 3), "Good Friday"),
    (D(2026, 4, 6), "Easter Monday"),
    (D(2026, 12, 24), "the office's own closure for Christmas Eve"),
    (D(2026, 12, 5), "a Saturday, when the office does not open"),
    (D(2026, 12, 6), "a Sunday"),
])
def test_no_slots_when_the_office_is_closed(day, why):
    o = office(closures=["2026-12-24"])
    assert CAL.is_bank_holiday(day) or day.weekday() >= 5 or day in o.closures, why
    assert day_slots(day, o) == [], why
    assert not is_open(o, day, CAL), why


@pytest.mark.parametrize("day", [D(2026, 12, 23), D(2026, 12, 29), D(2026, 4, 7)])
def test_the_days_around_holidays_are_ordinary(day):
    assert len(day_slots(day, office(closures=["2026-12-24"]))) == 6


def test_no_slots_for_a_type_the_office_does_not_offer():
    assert day_slots(k=kind(offices=("annexe",))) == []


# (opening span, duration, buffer, local starts, why)
BUFFERS = [
    (("09:00", "12:00"), 45, 15, ["09:00", "10:00", "11:00"],
     "the last buffer may run right up to the close"),
    (("09:00", "12:30"), 45, 30, ["09:00", "10:15"],
     "11:30 would end at 12:15 but its buffer would run to 12:45, past the close"),
    (("09:00", "12:30"), 45, 0, ["09:00", "09:45", "10:30", "11:15"],
     "without a buffer 11:15 ends 12:00 and 12:00 would end 12:45"),
    (("09:00", "12:30"), 30, 0, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
                                 "12:00"], "12:00 ends exactly at the close"),
    (("09:00", "09:50"), 60, 0, [], "a span shorter than the appointment has no slots"),
    (("09:00", "10:00"), 60, 1, [], "nor one that leaves no room for the buffer"),
]


@pytest.mark.parametrize("span, duration, buffer, starts, why", BUFFERS)
def test_buffers_and_closing_time(span, duration, buffer, starts, why):
    o = office({2: [span]})
    slots = day_slots(o=o, k=kind(duration, buffer))
    assert local_starts(slots) == starts, why
    # the buffer is time between appointments, not part of them
    assert all(s.end - s.start == dt.timedelta(minutes=duration) for s in slots)


# (advisers, advisers_at_once, capacities at 09:30, 10:30 and 11:30, why)
CAPACITY = [
    ([adviser("a"), adviser("b")], 3, [2, 2, 2], "two advisers: two at once, not three"),
    (STAFF, 2, [2, 2, 2], "three advisers, but the type runs at most two at once"),
    ([adviser("a"), adviser("b", end="12:00")], 3, [2, 2, 1],
     "b leaves at 12:00, so cannot take 11:30 to 12:30"),
    ([adviser("a", start="10:30")], 3, [0, 1, 1], "a starts at 10:30"),
    ([adviser("a", start="09:45")], 3, [0, 1, 1], "starting at 09:45 misses 09:30"),
    ([adviser("a", days=[0, 1])], 3, [0, 0, 0], "a does not work Wednesdays"),
    ([adviser("a", office_id="annexe")], 3, [0, 0, 0], "a works at another office"),
    ([adviser("a", types=("council_tax",))], 3, [0, 0, 0], "a does not take this type"),
    ([adviser("a", pattern={2: [("09:00", "12:00"), ("12:00", "17:00")]})], 3, [1, 1, 1],
     "back-to-back spans count as one stretch of work"),
    ([adviser("a", pattern={2: [("09:00", "11:00"), ("13:00", "17:00")]})], 3, [1, 0, 0],
     "a break from 11:00 rules out the later slots"),
    ([], 3, [0, 0, 0], "nobody to see anyone"),
]


@pytest.mark.parametrize("staff, at_once, capacities, why", CAPACITY)
def test_advisers_set_capacity(staff, at_once, capacities, why):
    o = office({2: [("09:30", "12:30")]})
    slots = day_slots(o=o, k=kind(60, 0, at_once), staff=staff)
    got = {s.local_start(LONDON).strftime("%H:%M"): s.capacity for s in slots}
    want = {t: c for t, c in zip(["09:30", "10:30", "11:30"], capacities) if c}
    assert got == want, why


@pytest.mark.parametrize("leaves, slots_at_1030", [("12:00", 1), ("11:59", 0)])
def test_an_adviser_must_cover_the_buffer_too(leaves, slots_at_1030):
    # 10:30 for 60 minutes with a 30-minute buffer keeps the adviser until 12:00
    o = office({2: [("10:30", "12:00")]})
    slots = day_slots(o=o, k=kind(60, 30), staff=[adviser("a", end=leaves)])
    assert [s.capacity for s in slots] == [1] * slots_at_1030


# --- The clock changes -------------------------------------------------------
# Clocks go back at 02:00 BST on Sunday 25 October 2026 (01:00 to 02:00
# happens twice) and forward at 01:00 GMT on Sunday 29 March 2026 (01:00 to
# 02:00 never happens). An office open through the night shows both.

AUTUMN = D(2026, 10, 25)
SPRING = D(2026, 3, 29)
NIGHT = {6: [("00:00", "04:00")]}
NIGHT_STAFF = [adviser("a", pattern=NIGHT)]


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("day, duration, starts_utc", [
    # 01:00 is ambiguous and means the first (BST) one; then on to 02:00 GMT
    (AUTUMN, 60, [utc(2026, 10, 24, 23), utc(2026, 10, 25, 0), utc(2026, 10, 25, 2),
                  utc(2026, 10, 25, 3)]),
    # 01:00 does not exist, so it is skipped; 02:00 BST is 01:00 UTC
    (SPRING, 60, [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)]),
    (SPRING, 30, [utc(2026, 3, 29, 0), utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1),
                  utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2), utc(2026, 3, 29, 2, 30)]),
])
def test_slots_through_a_clock_change(day, duration, starts_utc):
    slots = day_slots(day, office(NIGHT), kind(duration), NIGHT_STAFF)
    assert [s.start for s in slots] == starts_utc
    assert all(s.end - s.start == dt.timedelta(minutes=duration) for s in slots)
    assert all(s.capacity == 1 for s in slots)


@pytest.mark.parametrize("day, local_start, local_end, start_utc", [
    # starts 01:30 BST and ends 01:30 GMT: the same wall time, an hour later
    (AUTUMN, "01:30 BST", "01:30 GMT", utc(2026, 10, 25, 0, 30)),
    # starts 00:30 GMT and ends 02:30 BST: two hours on the clock, one in fact
    (SPRING, "00:30 GMT", "02:30 BST", utc(2026, 3, 29, 0, 30)),
])
def test_a_slot_across_the_change_lasts_its_duration(day, local_start, local_end, start_utc):
    o = office({6: [("00:30", "04:00")]} if day == SPRING else {6: [("01:30", "04:00")]})
    slot = day_slots(day, o, kind(60), NIGHT_STAFF)[0]
    assert slot.start == start_utc
    assert slot.end - slot.start == dt.timedelta(hours=1)
    assert slot.local_start(LONDON).strftime("%H:%M %Z") == local_start
    assert slot.local_end(LONDON).strftime("%H:%M %Z") == local_end


@pytest.mark.parametrize("day, opens, duration, local", [
    (SPRING, "00:00", 60, ["00:00 GMT", "02:00 BST", "03:00 BST"]),
    # 01:30 does not exist; 02:15 BST would start inside the 00:45 slot,
    # which runs to 01:30 UTC (02:30 BST)
    (SPRING, "00:45", 45, ["00:45 GMT", "03:00 BST"]),
    # an office that opens inside the gap starts at its first real step
    (SPRING, "01:30", 30, ["02:00 BST", "02:30 BST", "03:00 BST", "03:30 BST"]),
    (AUTUMN, "00:00", 60, ["00:00 BST", "01:00 BST", "02:00 GMT", "03:00 GMT"]),
])
def test_local_starts_on_a_clock_change_day(day, opens, duration, local):
    o = office({6: [(opens, "04:00")]})
    slots = day_slots(day, o, kind(duration), NIGHT_STAFF)
    assert [s.local_start(LONDON).strftime("%H:%M %Z") for s in slots] == local


def test_slots_never_overlap_after_the_spring_gap():
    # 00:30 GMT for 90 minutes runs to 02:00 UTC (03:00 BST), so the next
    # wall-clock step, 02:00 BST (01:00 UTC), would overlap it.
    o = office({6: [("00:30", "06:00")]})
    slots = day_slots(SPRING, o, kind(90), [adviser("a", pattern={6: [("00:00", "06:00")]})])
    assert [s.local_start(LONDON).strftime("%H:%M %Z") for s in slots] == \
        ["00:30 GMT", "03:30 BST"]
    assert all(a.end <= b.start for a, b in zip(slots, slots[1:]))


def test_closing_time_is_an_instant_on_a_clock_change_day():
    # 00:00 to 03:00 local on the spring day is only two hours long
    o = office({6: [("00:00", "03:00")]})
    slots = day_slots(SPRING, o, kind(60), NIGHT_STAFF)
    assert [s.start for s in slots] == [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)]


def test_an_adviser_who_leaves_at_01_30_bst_in_autumn_misses_the_repeated_hour():
    # Leaving at 01:30 means the first 01:30 (00:30 UTC), so 01:00 BST to
    # 01:00 GMT is not covered.
    staff = [adviser("a", pattern={6: [("00:00", "01:30")]})]
    slots = day_slots(AUTUMN, office(NIGHT), kind(30), staff)
    assert [s.start for s in slots] == [utc(2026, 10, 24, 23), utc(2026, 10, 24, 23, 30),
                                        utc(2026, 10, 25, 0)]


# --- Ranges and alternatives -------------------------------------------------

def test_slots_over_christmas():
    slots = slots_between(office(), kind(), STAFF, D(2026, 12, 21), D(2027, 1, 4), CAL,
                          LONDON)
    days = sorted({s.local_start(LONDON).date() for s in slots})
    assert days == [D(2026, 12, 21), D(2026, 12, 22), D(2026, 12, 23), D(2026, 12, 24),
                    D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31), D(2027, 1, 4)]
    assert len(slots) == 6 * len(days)
    assert slots == sorted(slots, key=lambda s: s.start)


@pytest.mark.parametrize("days, ok", [(1, True), (MAX_DAYS, True), (MAX_DAYS + 1, False)])
def test_at_most_62_days_at_once(days, ok):
    first = D(2026, 11, 2)
    last = first + dt.timedelta(days=days - 1)
    if ok:
        assert slots_between(office(), kind(), STAFF, first, last, CAL, LONDON)
    else:
        with pytest.raises(ValueError, match="at most 62 days"):
            slots_between(office(), kind(), STAFF, first, last, CAL, LONDON)


def test_a_range_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="on or after"):
        slots_between(office(), kind(), STAFF, D(2026, 12, 2), D(2026, 12, 1), CAL, LONDON)


def slot_at(day, hour, minute=0, office_id="civic"):
    start = dt.datetime(2026, 12, day, hour, minute, tzinfo=UTC)
    return Slot(office_id, "housing_options", start, start + dt.timedelta(hours=1), 1)


FREE = [slot_at(2, 9), slot_at(2, 11), slot_at(2, 15), slot_at(3, 9), slot_at(3, 10)]


@pytest.mark.parametrize("around, count, want", [
    (utc(2026, 12, 2, 10), 3, [slot_at(2, 9), slot_at(2, 11), slot_at(2, 15)]),
    # 09:00 and 11:00 are as near as each other: the earlier wins the last place
    (utc(2026, 12, 2, 10), 1, [slot_at(2, 9)]),
    (utc(2026, 12, 3, 8), 2, [slot_at(3, 9), slot_at(3, 10)]),
    (utc(2026, 12, 2, 23), 3, [slot_at(2, 15), slot_at(3, 9), slot_at(3, 10)]),
    (utc(2026, 12, 2, 10), 10, FREE),
    (utc(2026, 12, 2, 10), 0, []),
])
def test_nearest_free_slots_in_time_order(around, count, want):
    assert nearest(FREE, around, count) == want


def test_nearest_works_in_any_zone_and_with_nothing_free():
    assert nearest(FREE, dt.datetime(2026, 12, 2, 10, tzinfo=LONDON), 1) == [slot_at(2, 9)]
    assert nearest([], utc(2026, 12, 2, 10)) == []
    with pytest.raises(ValueError, match="aware"):
        nearest(FREE, dt.datetime(2026, 12, 2, 10))
