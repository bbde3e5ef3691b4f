"""What the notification service asks bookings about a booking at send time:
the person's own contact details, the appointment and the manage link."""
import datetime as dt
import uuid

import pytest
from nameko.exceptions import RemoteError

from tests.integration.bookings.conftest import query

WEDNESDAY = dt.date(2026, 12, 2)


def first_slot(bookings):
    found = bookings.search("council-tax", WEDNESDAY.isoformat(),
                            WEDNESDAY.isoformat())["slots"]
    assert found
    return found[0]


def booking_id(bookings_db, reference):
    return str(query(bookings_db, "SELECT id FROM bookings WHERE reference = %s",
                     reference)[0]["id"])


def book(bookings, **contact):
    slot = first_slot(bookings)
    held = bookings.hold(slot["office_id"], slot["type_id"], slot["start"])
    bookings.confirm(held["reference"], held["secret"], name="Sam Example", **contact)
    return slot, held


def test_a_confirmed_booking_with_email_prefers_email(bookings, bookings_db):
    slot, held = book(bookings, email="sam@example.com")
    office = next(o for o in bookings.setup()["offices"] if o["id"] == slot["office_id"])

    facts = bookings.notification_facts(booking_id(bookings_db, held["reference"]))

    assert facts["contact"] == {"email": "sam@example.com", "phone": None,
                                "preferred": "email", "safe_channel_only": False}
    assert facts["reference"] == held["reference"] and facts["status"] == "confirmed"
    assert facts["type_name"] == "Council Tax advice"
    assert (facts["office_name"], facts["office_address"]) == (office["name"],
                                                               office["address"])
    assert facts["start"] == slot["start"] and facts["end"] == slot["end"]
    assert [(link["kind"], link["reference"]) for link in facts["links"]] == [
        ("booking_management", held["reference"]), ("waitlist_offer", held["reference"])]
    code = facts["links"][0]["code"]
    assert code == held["secret"] and facts["links"][1]["code"] == code
    assert bookings.get_booking(held["reference"], code)["status"] == "confirmed"


def test_a_phone_only_booking_prefers_sms(bookings, bookings_db):
    _, held = book(bookings, phone="07700 900123")
    facts = bookings.notification_facts(booking_id(bookings_db, held["reference"]))
    assert facts["contact"] == {"email": None, "phone": "07700 900123",
                                "preferred": "sms", "safe_channel_only": False}


def test_the_calendar_file_comes_only_when_asked_for(bookings, bookings_db):
    _, held = book(bookings, email="sam@example.com")
    booking = booking_id(bookings_db, held["reference"])
    assert "calendar_ics" not in bookings.notification_facts(booking)
    ics = bookings.notification_facts(booking, with_calendar=True)["calendar_ics"]
    assert ics == bookings.calendar(held["reference"], held["secret"])
    assert "METHOD:REQUEST" in ics and held["reference"] in ics


def test_a_hold_has_no_contact_yet(bookings, bookings_db):
    slot = first_slot(bookings)
    held = bookings.hold(slot["office_id"], slot["type_id"], slot["start"])
    facts = bookings.notification_facts(booking_id(bookings_db, held["reference"]))
    assert facts["contact"] is None and facts["status"] == "held"


def test_an_unknown_booking_is_not_found(bookings):
    with pytest.raises(RemoteError) as err:
        bookings.notification_facts(str(uuid.uuid4()))
    assert err.value.exc_type == "BookingNotFound"
    with pytest.raises(RemoteError) as err:
        bookings.notification_facts("BK-AAAA-00")
    assert err.value.exc_type == "ValidationError"
