"""A booking and the case it is for, as domain objects: what each decides."""
import datetime as dt
import uuid

import pytest

from services.bookings.domain.bookings import Booking, Case, waitlist_window, window_for
from services.bookings.domain.model import AppointmentType
from services.bookings.domain.window import Window, WindowSettings

UTC = dt.timezone.utc
SETTINGS = WindowSettings()
PHONE = "020 7946 0000"
START = dt.datetime(2026, 12, 8, 10, tzinfo=UTC)
NOW = dt.datetime(2026, 12, 7, 8, tzinfo=UTC)
HOUSING = AppointmentType("housing-options", "Housing options", 45, 15,
                          frozenset({"town-hall"}), 3, True)
COUNCIL_TAX = AppointmentType("council-tax", "Council Tax", 20, 10,
                              frozenset({"town-hall"}), 2, False)


def booking(status="confirmed", hold_expires_at=None, **fields):
    row = {"id": uuid.uuid4(), "reference": "BK-1", "status": status, "slot_id": 1,
           "office_id": "town-hall", "type_id": "council-tax", "starts_at": START,
           "ends_at": START + dt.timedelta(minutes=20), "hold_expires_at": hold_expires_at,
           "unknown_column": "ignored", **fields}
    return Booking.from_row(row)


def case(urgency, triaged_on=dt.date(2026, 12, 7)):
    return Case.from_row({"case_id": uuid.uuid4(), "reference": "HL-1", "urgency": urgency,
                          "triaged_on": triaged_on, "appointment_type": None,
                          "triaged_at": None})


def test_a_row_builds_a_booking_and_none_builds_nothing():
    assert booking().reference == "BK-1" and booking().sequence == 0
    assert Booking.from_row(None) is None and Case.from_row(None) is None


@pytest.mark.parametrize("status, expires, live, lapsed", [
    ("held", NOW + dt.timedelta(minutes=1), True, False),
    ("held", NOW, False, True),
    ("confirmed", None, False, False),
    ("expired", NOW - dt.timedelta(minutes=1), False, False),
])
def test_a_hold_is_live_until_it_lapses(status, expires, live, lapsed):
    b = booking(status, expires)
    assert (b.is_live_hold(NOW), b.hold_lapsed(NOW)) == (live, lapsed)


def test_only_a_live_hold_may_be_confirmed():
    assert booking("held", NOW + dt.timedelta(minutes=5)).confirm_refused(NOW, SETTINGS) \
        is None
    refused = booking("held", NOW).confirm_refused(NOW, SETTINGS)
    assert refused.code == "hold_expired" and "10 minutes" in refused.reason


@pytest.mark.parametrize("status, now, by_staff, code", [
    ("confirmed", NOW, False, None),
    ("confirmed", START - dt.timedelta(hours=23), False, "too_late_to_change"),
    ("confirmed", START - dt.timedelta(hours=23), True, None),
    ("held", START - dt.timedelta(hours=1), False, None),
    ("cancelled", NOW, True, "booking_not_active"),
    ("expired", NOW, False, "booking_not_active"),
])
def test_who_may_cancel_and_when(status, now, by_staff, code):
    refused = booking(status, START).change_refused(now, SETTINGS, PHONE, by_staff)
    assert (refused.code if refused else None) == code


def test_only_a_confirmed_booking_moves():
    refused = booking("held", START).move_refused(NOW, SETTINGS, PHONE)
    assert refused.reason == "Only a confirmed booking can be moved."
    assert booking().move_refused(NOW, SETTINGS, PHONE) is None


@pytest.mark.parametrize("email, phone, contact", [
    ("a@example.com", "07700900123", {"email": "a@example.com", "phone": "07700900123",
                                      "preferred": "email", "safe_channel_only": False}),
    ("", "07700900123", {"email": None, "phone": "07700900123", "preferred": "sms",
                         "safe_channel_only": False}),
    (None, "", None),
])
def test_a_booking_is_told_about_by_email_first(email, phone, contact):
    assert booking(email=email, phone=phone).contact() == contact


def test_the_window_a_case_may_book_runs_from_its_triage():
    assert case("high").window(frozenset(), SETTINGS) == \
        Window(dt.date(2026, 12, 7), dt.date(2026, 12, 9), False)
    assert case("emergency").window(frozenset({"emergency"}), SETTINGS).ring_fenced
    assert case("advice").window(frozenset(), SETTINGS).code == "advice_only"
    assert case("standard").window(frozenset({"emergency"}), SETTINGS).code == \
        "wrong_appointment_type"


def test_a_type_without_a_case_may_be_booked_any_day_and_one_with_needs_one():
    assert window_for(COUNCIL_TAX, frozenset(), None, SETTINGS) is None
    assert window_for(HOUSING, frozenset(), None, SETTINGS).code == "case_needed"
    assert window_for(HOUSING, frozenset(), case("high"), SETTINGS).last_day == \
        dt.date(2026, 12, 9)


def test_the_waiting_list_window():
    today = dt.date(2026, 12, 7)
    assert waitlist_window(None, today, PHONE) == (today, dt.date(2027, 1, 4))
    passed = Window(dt.date(2026, 11, 2), dt.date(2026, 11, 4), False)
    assert waitlist_window(passed, today, PHONE).reason.endswith(PHONE + ".")
