"""Booking an appointment end to end: a real gateway and the real bookings
and housing services in their own processes, over a private vhost, with
their own databases. A resident books, changes and cancels over the JSON
API while the office sees who is coming; a person who asked for help with
housing books within the days their case allows."""
import datetime as dt
import uuid

import icalendar

from tests.support.bookings_stack import (call, case_headers, confirm, hold, local_today,
                                          slots, triaged_case, working_days)
from tests.support.housing_stack import renter_answers, secret_header


def office_day(stack, office_id, day):
    got = call(stack, "GET", f"/api/v1/bookings/staff/offices/{office_id}/day/{day}",
               headers=stack.bearer("front-desk", ["caseworker"]))
    assert got.status_code == 200, got.text
    return {b["reference"]: b for b in got.json()["bookings"]}


def calendar(stack, reference, secret):
    got = call(stack, "GET", f"/api/v1/bookings/{reference}/calendar.ics",
               headers=secret_header(secret))
    assert got.status_code == 200
    cal = icalendar.Calendar.from_ical(got.content)
    return cal, next(iter(cal.walk("VEVENT")))


def test_a_resident_books_changes_and_cancels_while_the_office_sees_it(bookings_stack):
    stack = bookings_stack
    day = working_days(4)[2]
    free = slots(stack, "council-tax", day, office_id="town-hall", step_free="true")
    slot, later = free[0], free[-1]

    key = str(uuid.uuid4())
    held = hold(stack, slot, headers={"Idempotency-Key": key}, step_free=True)
    assert held.status_code == 201, held.text
    reference, secret = held.json()["reference"], held.json()["secret"]
    retried = hold(stack, slot, headers={"Idempotency-Key": key}, step_free=True)
    assert retried.json()["reference"] == reference
    done = confirm(stack, reference, secret, name="Ada Lovelace", email=None,
                   phone="07700 900 982", step_free=True, interpreter="Welsh")
    assert done.status_code == 200 and done.json()["status"] == "confirmed", done.text

    coming = office_day(stack, "town-hall", day.isoformat())[reference]
    assert (coming["name"], coming["interpreter"], coming["step_free"]) == (
        "Ada Lovelace", "Welsh", True)
    assert coming["start"] == slot["start"]
    cal, event = calendar(stack, reference, secret)
    uid = str(event["UID"])
    assert str(cal["METHOD"]) == "REQUEST" and "Town Hall" in str(event["LOCATION"])

    moved = call(stack, "POST", f"/api/v1/bookings/{reference}/reschedule",
                 json={"office_id": later["office_id"], "start": later["start"]},
                 headers=secret_header(secret))
    assert moved.status_code == 200, moved.text
    assert office_day(stack, "town-hall", day.isoformat())[reference]["start"] == later["start"]
    cal, event = calendar(stack, reference, secret)
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (uid, 1)

    cancelled = call(stack, "POST", f"/api/v1/bookings/{reference}/cancel",
                     headers=secret_header(secret))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert reference not in office_day(stack, "town-hall", day.isoformat())
    cal, event = calendar(stack, reference, secret)
    assert str(cal["METHOD"]) == "CANCEL" and str(event["UID"]) == uid
    # the place is free again
    again = slots(stack, "council-tax", day, office_id="town-hall")
    assert any(s["start"] == later["start"] for s in again)


def test_a_housing_case_books_within_the_days_it_allows(bookings_stack):
    stack = bookings_stack
    reference, code, case = triaged_case(stack, renter_answers())
    assert case["next_step"]["code"] == "book_appointment"
    headers = case_headers(reference, code)
    free = slots(stack, "housing-options", local_today(),
                 local_today() + dt.timedelta(days=30), headers=headers)
    assert free and max(s["local_start"][:10] for s in free) <= working_days(5)[-1].isoformat()

    held = hold(stack, free[-1], headers=headers)
    assert held.status_code == 201, held.text
    done = confirm(stack, held.json()["reference"], held.json()["secret"], name="Sam Jones")
    assert done.status_code == 200 and done.json()["case_id"]
    again = hold(stack, free[0], headers=headers)
    assert again.status_code == 422 and again.json()["error"]["code"] == "case_already_booked"

    day = free[-1]["local_start"][:10]
    coming = office_day(stack, free[-1]["office_id"], day)
    assert coming[held.json()["reference"]]["case_id"] == done.json()["case_id"]


def test_the_api_document_describes_the_booking_routes(bookings_stack):
    doc = call(bookings_stack, "GET", "/api/v1/openapi.json").json()
    assert "/api/v1/bookings/{reference}/reschedule" in doc["paths"]
    assert doc["paths"]["/api/v1/bookings/holds"]["post"]["tags"] == ["bookings"]
    setup = doc["paths"]["/api/v1/bookings/setup/offices/{office_id}"]["put"]
    assert setup["x-roles"] == ["supervisor"]
    assert "409" in doc["paths"]["/api/v1/bookings/holds"]["post"]["responses"]
