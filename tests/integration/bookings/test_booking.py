"""Holding, confirming, cancelling and moving: each change announced exactly
once, the calendar file following it, and capacity never exceeded."""
import datetime as dt
import json

import icalendar
import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import entrypoint_hook

from tests.integration.bookings.conftest import CLOCK, query

TUESDAY = dt.date(2026, 12, 1)
WEDNESDAY = dt.date(2026, 12, 2)


def first_slots(bookings, type_id="council-tax", day=WEDNESDAY, office_id=None, n=2):
    found = bookings.search(type_id, day.isoformat(), day.isoformat(),
                            office_id=office_id)["slots"]
    assert len(found) >= n
    return found[:n]


def book(bookings, slot, **details):
    held = bookings.hold(slot["office_id"], slot["type_id"], slot["start"])
    details = {"name": "Sam Example", "email": "sam@example.com", **details}
    booked = bookings.confirm(held["reference"], held["secret"], **details)
    return held, booked


def refused(call):
    with pytest.raises(RemoteError) as err:
        call()
    return err.value.exc_type, json.loads(err.value.value)


def test_a_booking_is_announced_once_without_contact_details(bookings, listen, bookings_db):
    booked_events = listen("SlotBooked")
    slot = first_slots(bookings)[0]

    held, booked = book(bookings, slot, interpreter="Polish", phone="07700 900123")
    again = bookings.confirm(held["reference"], held["secret"], name="Sam Example",
                             email="sam@example.com")

    assert booked["status"] == again["status"] == "confirmed"
    assert booked["interpreter"] == "Polish"
    got = booked_events.collect(1, settle=0.5)
    assert len(got) == 1
    data = got[0].payload["data"]
    assert data["reference"] == held["reference"]
    assert data["starts_at"] == slot["start"] and data["booked_by"] == "resident"
    text = json.dumps(got[0].payload)
    for personal in ("Sam", "sam@example.com", "07700", "Polish"):
        assert personal not in text
    assert query(bookings_db, "SELECT taken FROM slots")[0]["taken"] == 1


def test_a_full_slot_is_a_conflict_with_the_nearest_free_alternatives(bookings):
    slot = first_slots(bookings)[0]                  # council tax: 2 places
    book(bookings, slot)
    book(bookings, slot)
    kind, body = refused(lambda: bookings.hold(slot["office_id"], slot["type_id"],
                                               slot["start"]))
    assert kind == "SlotConflict" and body["code"] == "slot_full"
    assert len(body["alternatives"]) == 3
    assert all(a["start"] != slot["start"] and a["remaining"] > 0
               for a in body["alternatives"])
    assert slot["start"] not in [s["start"] for s in bookings.search(
        "council-tax", WEDNESDAY.isoformat(), WEDNESDAY.isoformat())["slots"]]


def test_a_lapsed_hold_frees_its_place_by_itself(bookings, bookings_db):
    slot = first_slots(bookings)[0]
    bookings.hold(slot["office_id"], slot["type_id"], slot["start"])
    bookings.hold(slot["office_id"], slot["type_id"], slot["start"])
    assert refused(lambda: bookings.hold(slot["office_id"], slot["type_id"],
                                         slot["start"]))[1]["code"] == "slot_full"
    CLOCK.advance(minutes=11)
    held = bookings.hold(slot["office_id"], slot["type_id"], slot["start"])
    assert held["status"] == "held"
    assert query(bookings_db, "SELECT taken FROM slots")[0]["taken"] == 1
    # and a lapsed hold cannot be confirmed
    CLOCK.advance(minutes=11)
    kind, body = refused(lambda: bookings.confirm(held["reference"], held["secret"],
                                                  name="Sam", email="sam@example.com"))
    assert body["code"] == "hold_expired"


def test_cancel_and_reschedule_keep_the_calendar_file_in_step(bookings, listen, bookings_db):
    moved_events, cancelled_events = listen("BookingRescheduled"), listen("BookingCancelled")
    first, second = first_slots(bookings)
    held, _ = book(bookings, first)
    ics = icalendar.Calendar.from_ical(bookings.calendar(held["reference"], held["secret"]))
    event = ics.walk("VEVENT")[0]
    uid, sequence = str(event["UID"]), int(event["SEQUENCE"])

    moved = bookings.reschedule(held["reference"], second["office_id"], second["start"],
                                secret=held["secret"])
    assert moved["start"] == second["start"]
    ics = icalendar.Calendar.from_ical(bookings.calendar(held["reference"], held["secret"]))
    event = ics.walk("VEVENT")[0]
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == sequence + 1
    assert event["DTSTART"].dt == dt.datetime.fromisoformat(second["start"])
    places = {r["starts_at"].isoformat(): r["taken"] for r in query(
        bookings_db, "SELECT starts_at, taken FROM slots")}
    assert places == {first["start"]: 0, second["start"]: 1}

    bookings.cancel(held["reference"], secret=held["secret"])
    ics = icalendar.Calendar.from_ical(bookings.calendar(held["reference"], held["secret"]))
    assert str(ics["METHOD"]) == "CANCEL"
    assert int(ics.walk("VEVENT")[0]["SEQUENCE"]) == sequence + 2
    assert len(moved_events.collect(1, settle=0.5)) == 1
    assert len(cancelled_events.collect(1, settle=0.5)) == 1
    assert query(bookings_db, "SELECT sum(taken) AS n FROM slots")[0]["n"] == 0


def test_moving_to_a_full_slot_changes_nothing(bookings):
    first, second = first_slots(bookings)
    mine, _ = book(bookings, first)
    book(bookings, second)
    book(bookings, second)
    kind, body = refused(lambda: bookings.reschedule(mine["reference"], second["office_id"],
                                                     second["start"], secret=mine["secret"]))
    assert kind == "SlotConflict"
    assert bookings.get_booking(mine["reference"], mine["secret"])["start"] == first["start"]


def test_changes_close_at_the_cut_off_but_staff_can_still_act(bookings):
    slot = first_slots(bookings, day=WEDNESDAY)[0]   # 09:30 on Wednesday
    mine, _ = book(bookings, slot)
    CLOCK.set(2026, 12, 1, 9, 31)                    # 23 h 59 min before
    kind, body = refused(lambda: bookings.cancel(mine["reference"], secret=mine["secret"]))
    assert body["code"] == "too_late_to_change"
    assert bookings.cancel(mine["reference"], staff_id="cw-1")["status"] == "cancelled"


def test_wrong_secrets_and_bad_input_are_refused(bookings):
    slot = first_slots(bookings)[0]
    mine, _ = book(bookings, slot)
    with pytest.raises(RemoteError) as err:
        bookings.get_booking(mine["reference"], "AAAA-AAAA-AAAA")
    assert err.value.exc_type == "BookingNotFound"
    with pytest.raises(RemoteError) as err:
        bookings.hold(slot["office_id"], slot["type_id"], "2026-12-02T09:31:00+00:00")
    assert err.value.exc_type == "SlotNotFound"
    with pytest.raises(RemoteError) as err:
        bookings.confirm(mine["reference"], mine["secret"], name="", email="not-an-email")
    assert err.value.exc_type == "ValidationError"
    assert "email" in err.value.value and "name" in err.value.value


def test_step_free_needs_only_offer_step_free_offices(bookings):
    slots = bookings.search("council-tax", WEDNESDAY.isoformat(), WEDNESDAY.isoformat(),
                            step_free=True)["slots"]
    assert slots and {s["office_id"] for s in slots} == {"town-hall"}


def test_reminders_are_due_once_a_day_before(bookings, listen):
    reminders = listen("BookingReminderDue")
    slot = first_slots(bookings, day=dt.date(2026, 12, 3))[0]
    book(bookings, slot)
    with entrypoint_hook(bookings.container, "send_reminders") as send:
        assert send() == 0
        CLOCK.set(2026, 12, 2, 9, 30)
        assert send() == 1
        assert send() == 0
    assert len(reminders.collect(1, settle=0.5)) == 1
