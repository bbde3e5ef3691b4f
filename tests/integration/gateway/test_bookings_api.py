"""The bookings JSON API, against the real bookings and housing services in a
Stack (tests/support/bookings_stack.py): search, hold, confirm, see, the
calendar file, move and cancel; a full slot's alternatives; the rules'
refusals; housing cases and their windows; staff acting for a resident; and
supervisors changing the setup. The services run on the real clock: every
date is worked out from today."""
import datetime as dt
import uuid

from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.support.bookings_stack import (book, call, case_headers, confirm, hold,
                                          local_today, slots, triaged_case,
                                          working_days)
from tests.support.housing_stack import advice_answers, renter_answers, secret_header

LONDON = ZoneInfo("Europe/London")


def caseworker(stack):
    return stack.bearer("cw-bookings", ["caseworker"])


def supervisor(stack):
    return stack.bearer("sup-bookings", ["supervisor"])


def day_slots(stack, type_id="council-tax", nth=1, headers=None, **params):
    """The free times on the nth working day from today (1: the day after
    next), well past the 24-hour change cut-off."""
    day = working_days(nth + 1)[nth]
    found = slots(stack, type_id, day, headers=headers, **params)
    assert found, f"no free {type_id} times on {day}"
    return found


def parse_ics(text):
    cal = icalendar.Calendar.from_ical(text)
    event = next(iter(cal.walk("VEVENT")))
    return cal, event


def test_options_are_public(bookings_stack):
    got = call(bookings_stack, "GET", "/api/v1/bookings/options")
    assert got.status_code == 200
    body = got.json()
    offices = {o["id"]: o for o in body["offices"]}
    assert offices["town-hall"]["step_free"] is True
    assert offices["northgate"]["step_free"] is False
    assert "hours" not in offices["town-hall"]
    types = {t["id"]: t for t in body["types"]}
    assert types["council-tax"]["needs_case"] is False
    assert types["housing-options"]["needs_case"] is True


def test_search_hold_confirm_see_calendar_move_and_cancel(bookings_stack):
    stack = bookings_stack
    found = day_slots(stack)
    first = found[0]
    assert first["type_id"] == "council-tax" and first["remaining"] >= 1
    assert dt.datetime.fromisoformat(first["start"]).utcoffset() == dt.timedelta(0)
    assert dt.datetime.fromisoformat(first["local_start"]) == dt.datetime.fromisoformat(
        first["start"])

    held = hold(stack, first)
    assert held.status_code == 201, held.text
    body = held.json()
    reference, secret = body["reference"], body["secret"]
    assert reference.startswith("BK-") and body["status"] == "held"
    assert held.headers["Location"] == body["status_url"] == f"/api/v1/bookings/{reference}"
    assert body["hold_expires_at"]
    # the held place is no longer on offer to others
    again = slots(stack, "council-tax", dt.date.fromisoformat(first["local_start"][:10]))
    same = [s for s in again if s["start"] == first["start"] and
            s["office_id"] == first["office_id"]]
    assert not same or same[0]["remaining"] == first["remaining"] - 1

    done = confirm(stack, reference, secret, phone="07700 900982", email=None,
                   interpreter="  brazilian   portuguese", step_free=True)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed"
    assert done.json()["interpreter"] == "Brazilian Portuguese"
    assert done.json()["step_free"] is True

    seen = call(stack, "GET", f"/api/v1/bookings/{reference}", headers=secret_header(secret))
    assert seen.status_code == 200
    assert seen.json()["status"] == "confirmed" and seen.json()["sequence"] == 0
    lower = call(stack, "GET", f"/api/v1/bookings/{reference.lower()}",
                 headers=secret_header(secret.lower().replace("-", "")))
    assert lower.status_code == 200

    ics = call(stack, "GET", f"/api/v1/bookings/{reference}/calendar.ics",
               headers=secret_header(secret))
    assert ics.status_code == 200
    assert ics.headers["Content-Type"].startswith("text/calendar")
    assert ics.headers["Cache-Control"] == "no-store"
    cal, event = parse_ics(ics.content)
    uid = str(event["UID"])
    assert str(cal["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == dt.datetime.fromisoformat(first["start"])
    assert reference in str(event["SUMMARY"])

    later = next(s for s in found if s["start"] != first["start"])
    moved = call(stack, "POST", f"/api/v1/bookings/{reference}/reschedule",
                 json={"office_id": later["office_id"], "start": later["start"]},
                 headers=secret_header(secret))
    assert moved.status_code == 200, moved.text
    assert moved.json()["start"] == later["start"] and moved.json()["sequence"] == 1
    cal, event = parse_ics(call(stack, "GET", f"/api/v1/bookings/{reference}/calendar.ics",
                                params={"secret": secret}).content)
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == dt.datetime.fromisoformat(later["start"])

    cancelled = call(stack, "POST", f"/api/v1/bookings/{reference}/cancel",
                     headers=secret_header(secret))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    cal, event = parse_ics(call(stack, "GET", f"/api/v1/bookings/{reference}/calendar.ics",
                                headers=secret_header(secret)).content)
    assert str(cal["METHOD"]) == "CANCEL" and str(event["UID"]) == uid
    assert str(event["STATUS"]) == "CANCELLED"
    twice = call(stack, "POST", f"/api/v1/bookings/{reference}/cancel",
                 headers=secret_header(secret))
    assert twice.status_code == 200 and twice.json()["status"] == "cancelled"


def test_a_retried_hold_with_the_same_idempotency_key_holds_once(bookings_stack):
    slot = day_slots(bookings_stack, nth=2)[-1]
    key = str(uuid.uuid4())
    first = hold(bookings_stack, slot, headers={"Idempotency-Key": key})
    second = hold(bookings_stack, slot, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    left = slots(bookings_stack, "council-tax", dt.date.fromisoformat(slot["local_start"][:10]))
    after = [s for s in left if s["start"] == slot["start"]]
    assert not after or after[0]["remaining"] == slot["remaining"] - 1


def test_a_full_slot_is_a_409_with_the_nearest_free_times(bookings_stack):
    stack = bookings_stack
    slot = day_slots(stack, nth=3)[2]
    for _ in range(slot["remaining"]):
        assert hold(stack, slot).status_code == 201
    full = hold(stack, slot)
    assert full.status_code == 409, full.text
    error = full.json()["error"]
    assert error["code"] == "slot_full" and error["message"] == error["reason"]
    assert error["service"] == "bookings"
    alternatives = error["alternatives"]
    assert alternatives and all(a["start"] != slot["start"] for a in alternatives)
    assert {"office_id", "type_id", "start", "end", "local_start", "remaining"} <= set(
        alternatives[0])
    # an alternative can be held straight away
    assert hold(stack, alternatives[0]).status_code == 201

    # moving into the full slot: 409, and the booking stays where it was
    other = next(s for s in day_slots(stack, nth=4) if s["remaining"] > 0)
    reference, secret = book(stack, other)
    moved = call(stack, "POST", f"/api/v1/bookings/{reference}/reschedule",
                 json={"office_id": slot["office_id"], "start": slot["start"]},
                 headers=secret_header(secret))
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "slot_full"
    assert "alternatives" in moved.json()["error"]
    seen = call(stack, "GET", f"/api/v1/bookings/{reference}",
                headers=secret_header(secret)).json()
    assert (seen["start"], seen["sequence"]) == (other["start"], 0)


def test_the_rules_refusals_are_422_with_their_codes(bookings_stack):
    stack = bookings_stack
    needs_case = call(stack, "GET", "/api/v1/bookings/slots",
                      params={"type_id": "housing-options"})
    assert needs_case.status_code == 422
    assert needs_case.json()["error"]["code"] == "case_needed"

    # a time that has passed: the last working day's first appointment
    day = local_today() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(9, 0), LONDON)
    past = call(stack, "POST", "/api/v1/bookings/holds", json={
        "office_id": "town-hall", "type_id": "council-tax", "start": start.isoformat()})
    assert past.status_code in (404, 422), past.text
    if past.status_code == 422:
        assert past.json()["error"]["code"] == "slot_in_the_past"

    no_contact = hold(stack, day_slots(stack, nth=5)[0])
    assert no_contact.status_code == 201
    refused = call(stack, "POST", f"/api/v1/bookings/{no_contact.json()['reference']}/confirm",
                   json={"name": "Sam Jones"},
                   headers=secret_header(no_contact.json()["secret"]))
    assert refused.status_code == 400
    assert "email" in refused.json()["error"]["fields"]

    nowhere = call(stack, "POST", "/api/v1/bookings/holds", json={
        "office_id": "town-hall", "type_id": "council-tax",
        "start": "2026-12-01T03:17:00+00:00"})
    assert nowhere.status_code == 404

    bad = call(stack, "GET", "/api/v1/bookings/slots", params={
        "type_id": "council-tax", "first_day": "2026-12-10", "last_day": "2026-12-01"})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {
        "last_day": ["The last day must be on or after the first day"]}
    naive = call(stack, "POST", "/api/v1/bookings/holds", json={
        "office_id": "town-hall", "type_id": "council-tax", "start": "2026-12-01T09:00"})
    assert naive.status_code == 400 and "start" in naive.json()["error"]["fields"]


def test_a_wrong_secret_or_reference_is_404(bookings_stack):
    reference, secret = book(bookings_stack, day_slots(bookings_stack, nth=6)[0])
    for headers in (secret_header("2222-2222-2222"), {}):
        wrong = call(bookings_stack, "GET", f"/api/v1/bookings/{reference}", headers=headers)
        assert wrong.status_code == 404
        assert wrong.json()["error"]["code"] == "booking_not_found"
    for path in ("/api/v1/bookings/BK-2222-10", "/api/v1/bookings/nonsense",
                 "/api/v1/bookings/BK-2222-10/calendar.ics"):
        assert call(bookings_stack, "GET", path,
                    headers=secret_header(secret)).status_code == 404
    cancel = call(bookings_stack, "POST", f"/api/v1/bookings/{reference}/cancel",
                  headers=secret_header("2222-2222-2222"))
    assert cancel.status_code == 404


def test_a_housing_case_books_within_its_window_only(bookings_stack):
    stack = bookings_stack
    reference, code, case = triaged_case(stack, renter_answers())
    assert case["urgency"] == "standard"
    headers = case_headers(reference, code)
    first, last = local_today(), local_today() + dt.timedelta(days=40)
    offered = slots(stack, "housing-options", first, last, headers=headers)
    assert offered
    days = sorted({s["local_start"][:10] for s in offered})
    # five working days from the day the case was triaged (today)
    window_end = working_days(5)[-1]
    assert days[-1] <= window_end.isoformat()

    # the same time of day, a fortnight of working days on: after the window
    beyond = working_days(12)[-1]
    wall = dt.datetime.fromisoformat(offered[0]["local_start"]).replace(tzinfo=None)
    later = dt.datetime.combine(beyond, wall.time(), LONDON)
    outside = call(stack, "POST", "/api/v1/bookings/holds", headers=headers, json={
        "office_id": offered[0]["office_id"], "type_id": "housing-options",
        "start": later.isoformat()})
    assert outside.status_code == 422, outside.text
    assert outside.json()["error"]["code"] == "outside_window"

    held = hold(stack, offered[-1], headers=headers)
    assert held.status_code == 201, held.text
    assert held.json()["case_id"]
    done = confirm(stack, held.json()["reference"], held.json()["secret"])
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    second = hold(stack, offered[0], headers=headers)
    assert second.status_code == 422
    assert second.json()["error"]["code"] == "case_already_booked"

    # the wrong code: housing says no before bookings is asked
    wrong = call(stack, "GET", "/api/v1/bookings/slots",
                 headers=case_headers(reference, "2222-2222-2222"),
                 params={"type_id": "housing-options"})
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "case_not_found"
    no_code = call(stack, "GET", "/api/v1/bookings/slots",
                   headers={"X-Case-Reference": reference},
                   params={"type_id": "housing-options"})
    assert no_code.status_code == 404
    unknown = call(stack, "POST", "/api/v1/bookings/holds",
                   headers=case_headers("HL-2222-10", code), json={
                       "office_id": offered[0]["office_id"], "type_id": "housing-options",
                       "start": offered[0]["start"]})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "case_not_found"


def test_an_advice_case_is_told_it_needs_no_appointment(bookings_stack):
    reference, code, case = triaged_case(bookings_stack, advice_answers())
    assert case["urgency"] == "advice"
    got = call(bookings_stack, "GET", "/api/v1/bookings/slots",
               headers=case_headers(reference, code), params={"type_id": "housing-options"})
    assert got.status_code == 422 and got.json()["error"]["code"] == "advice_only"


def test_a_case_joins_the_waiting_list(bookings_stack):
    reference, code, _ = triaged_case(bookings_stack, renter_answers())
    joined = call(bookings_stack, "POST", "/api/v1/bookings/waitlist",
                  headers=case_headers(reference, code),
                  json={"type_id": "housing-options", "step_free": True})
    assert joined.status_code == 201, joined.text
    body = joined.json()
    assert body["status"] == "waiting" and body["waitlist_id"]
    assert body["first_day"] == local_today().isoformat()
    assert body["last_day"] == working_days(5)[-1].isoformat()
    assert body["code"]
    status = call(bookings_stack, "GET", f"/api/v1/bookings/waitlist/{body['waitlist_id']}",
                  headers=secret_header(body["code"]))
    assert status.status_code == 200, status.text
    assert (status.json()["status"], status.json()["offer"]) == ("waiting", None)
    assert "code" not in status.json() or status.json()["code"] is None
    wrong = call(bookings_stack, "GET", f"/api/v1/bookings/waitlist/{body['waitlist_id']}",
                 headers=secret_header("2222-2222-2222"))
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "waitlist_not_found"
    twice = call(bookings_stack, "POST", "/api/v1/bookings/waitlist",
                 headers=case_headers(reference, code), json={"type_id": "housing-options"})
    assert twice.status_code == 422 and twice.json()["error"]["code"] == "already_waiting"
    without = call(bookings_stack, "POST", "/api/v1/bookings/waitlist",
                   json={"type_id": "housing-options"})
    assert without.status_code == 422 and without.json()["error"]["code"] == "case_needed"


def test_staff_book_for_someone_and_see_the_office_day(bookings_stack):
    stack = bookings_stack
    day = working_days(8)[7]
    found = call(stack, "GET", "/api/v1/bookings/staff/slots", headers=caseworker(stack), params={
        "type_id": "council-tax", "first_day": day.isoformat(), "last_day": day.isoformat()})
    assert found.status_code == 200, found.text
    slot = found.json()["slots"][0]
    held = call(stack, "POST", "/api/v1/bookings/staff/holds", headers=caseworker(stack), json={
        "office_id": slot["office_id"], "type_id": slot["type_id"], "start": slot["start"],
        "step_free": True})
    assert held.status_code == 201, held.text
    reference = held.json()["reference"]
    assert held.json()["secret"]
    done = call(stack, "POST", f"/api/v1/bookings/staff/{reference}/confirm",
                headers=caseworker(stack), json={"name": "Ola Nowak", "phone": "01632 960 001",
                                          "step_free": True, "interpreter": "polish"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed"

    listed = call(stack, "GET", f"/api/v1/bookings/staff/offices/{slot['office_id']}/day/"
                  f"{day.isoformat()}", headers=caseworker(stack))
    assert listed.status_code == 200, listed.text
    mine = next(b for b in listed.json()["bookings"] if b["reference"] == reference)
    assert (mine["name"], mine["interpreter"], mine["step_free"]) == (
        "Ola Nowak", "Polish", True)

    # staff may move and cancel without the code
    other = next(s for s in found.json()["slots"] if s["start"] != slot["start"])
    moved = call(stack, "POST", f"/api/v1/bookings/staff/{reference}/reschedule",
                 headers=caseworker(stack), json={"office_id": other["office_id"],
                                           "start": other["start"]})
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    cancelled = call(stack, "POST", f"/api/v1/bookings/staff/{reference}/cancel",
                     headers=supervisor(stack))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    missing = call(stack, "POST", "/api/v1/bookings/staff/BK-2222-10/cancel",
                   headers=caseworker(stack))
    assert missing.status_code == 404

    # and a housing case by its reference alone
    case_reference, _, _ = triaged_case(stack, renter_answers())
    for_case = call(stack, "GET", "/api/v1/bookings/staff/slots", headers=caseworker(stack),
                    params={"type_id": "housing-options", "case_reference": case_reference})
    assert for_case.status_code == 200 and for_case.json()["slots"]

    bad_day = call(stack, "GET", "/api/v1/bookings/staff/offices/town-hall/day/someday",
                   headers=caseworker(stack))
    assert bad_day.status_code == 400
    no_office = call(stack, "GET", "/api/v1/bookings/staff/offices/nowhere/day/2026-12-01",
                     headers=caseworker(stack))
    assert no_office.status_code == 404


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/bookings/staff/slots?type_id=council-tax"),
    ("POST", "/api/v1/bookings/staff/holds"),
    ("POST", "/api/v1/bookings/staff/BK-2222-10/cancel"),
    ("GET", "/api/v1/bookings/staff/offices/town-hall/day/2026-12-01"),
    ("GET", "/api/v1/bookings/setup"),
    ("PUT", "/api/v1/bookings/setup/offices/town-hall"),
])
def test_staff_routes_need_a_token_with_the_role(bookings_stack, method, path):
    anonymous = call(bookings_stack, method, path, json={})
    assert anonymous.status_code == 401
    crew = call(bookings_stack, method, path, json={},
                headers=bookings_stack.bearer("crew-1", ["crew"]))
    assert crew.status_code == 403
    if path.startswith("/api/v1/bookings/setup"):
        assert call(bookings_stack, method, path, json={},
                    headers=caseworker(bookings_stack)).status_code == 403


def test_a_supervisor_changes_the_setup(bookings_stack):
    stack = bookings_stack
    setup = call(stack, "GET", "/api/v1/bookings/setup", headers=supervisor(stack))
    assert setup.status_code == 200, setup.text
    offices = {o["id"]: o for o in setup.json()["offices"]}
    assert offices["town-hall"]["hours"]["0"] == [["09:00", "12:30"], ["13:30", "17:00"]]
    assert setup.json()["advisers"]

    office = {"name": "Eastgate Hub", "address": "3 East Street, Exampleton EX2 3CC",
              "step_free": True, "hours": {"0": [["10:00", "14:00"]]},
              "closures": ["2027-01-04"]}
    saved = call(stack, "PUT", "/api/v1/bookings/setup/offices/eastgate", json=office,
                 headers=supervisor(stack))
    assert saved.status_code == 200, saved.text
    assert saved.json()["name"] == "Eastgate Hub" and saved.json()["closures"] == ["2027-01-04"]
    listed = {o["id"]: o for o in call(stack, "GET", "/api/v1/bookings/options").json()[
        "offices"]}
    assert listed["eastgate"]["name"] == "Eastgate Hub"

    renamed = call(stack, "PUT", "/api/v1/bookings/setup/offices/eastgate",
                   json={**office, "id": "eastgate", "name": "Eastgate Community Hub"},
                   headers=supervisor(stack))
    assert renamed.status_code == 200 and renamed.json()["name"] == "Eastgate Community Hub"

    mismatch = call(stack, "PUT", "/api/v1/bookings/setup/offices/eastgate",
                    json={**office, "id": "westgate"}, headers=supervisor(stack))
    assert mismatch.status_code == 400 and "id" in mismatch.json()["error"]["fields"]
    backwards = call(stack, "PUT", "/api/v1/bookings/setup/offices/eastgate",
                     json={**office, "hours": {"0": [["14:00", "10:00"]]}},
                     headers=supervisor(stack))
    assert backwards.status_code == 400 and "hours" in backwards.json()["error"]["fields"]
    unknown = call(stack, "PUT", "/api/v1/bookings/setup/types/drop-in", headers=supervisor(stack),
                   json={"name": "Drop-in", "duration_minutes": 15, "advisers_at_once": 1,
                         "office_ids": ["atlantis"]})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"]["office_ids"] == ["There is no office atlantis"]
    adviser = call(stack, "PUT", "/api/v1/bookings/setup/advisers/adviser-9",
                   headers=supervisor(stack), json={"office_id": "atlantis",
                                             "type_ids": ["council-tax"],
                                             "pattern": {"0": [["09:00", "12:00"]]}})
    assert adviser.status_code == 400 and "office_id" in adviser.json()["error"]["fields"]
