"""Bookings use cases: availability, holds, bookings, changes, the waiting
list, reminders and what triaged cases may book.

Every place in a slot is taken or given back under that slot's row lock, and
the `slots.taken <= capacity` CHECK makes an overbooking impossible even if
this code were wrong. Changes that touch two slots lock them in id order.
"""
import dataclasses
import datetime as dt
import uuid

import psycopg2
import psycopg2.errors
from marshmallow import ValidationError

from services.bookings import store
from services.bookings.domain import availability, calendar_file, window
from services.bookings.domain.model import REFERENCE_PREFIX, Adviser, AppointmentType, Office
from services.bookings.errors import (BookingNotFound, BookingRejected, CaseNotFound,
                                      OfficeNotFound, SlotConflict, SlotNotFound,
                                      TypeNotFound)
from services.kit import references
from services.kit.workdays import working_calendar

REFERENCE_ATTEMPTS = 8
SWEEP_BATCH = 200
ALTERNATIVE_DAYS = 7


@dataclasses.dataclass(frozen=True)
class Setup:
    """What can be booked, as the domain's objects, read at each call (a
    handful of rows) so a supervisor's change applies at once."""
    offices: dict
    types: dict
    urgencies: dict
    advisers: tuple

    @classmethod
    def load(cls, cur):
        types = {r["id"]: r for r in store.appointment_types(cur)}
        return cls(
            offices={r["id"]: Office.from_dict(r) for r in store.offices(cur)},
            types={k: AppointmentType.from_dict(r) for k, r in types.items()},
            urgencies={k: frozenset(r["urgencies"] or ()) for k, r in types.items()},
            advisers=tuple(Adviser.from_dict(r) for r in store.advisers(cur)))

    def office(self, office_id):
        try:
            return self.offices[office_id]
        except KeyError:
            raise OfficeNotFound("There is no office with that id.")

    def type(self, type_id):
        try:
            return self.types[type_id]
        except KeyError:
            raise TypeNotFound("There is no appointment type with that id.")


def _iso(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _slot_view(slot, remaining, tz):
    return {"office_id": slot.office_id, "type_id": slot.type_id,
            "start": slot.start.isoformat(), "end": slot.end.isoformat(),
            "local_start": slot.start.astimezone(tz).isoformat(),
            "capacity": slot.capacity, "remaining": remaining}

# -- availability ------------------------------------------------------------------


def _case(cur, case_reference):
    case = store.case_by_reference(cur, case_reference) if case_reference else None
    if case_reference and case is None:
        raise CaseNotFound("We have no triaged case with that reference yet. If you "
                           "have just finished the questions, try again in a minute.")
    return case


def _window_for(setup, appt_type, case, settings, today):
    """The days a booking of this type may fall on, or a rejection. The
    window runs from the day the case was triaged: "within 2 working days"
    of asking for help, not of whenever the person comes back."""
    if not appt_type.needs_case:
        return None
    if case is None:
        raise BookingRejected("case_needed", "This appointment is for people who have "
                              "answered the housing questions. Enter your case reference.")
    try:
        triaged_on = case["triaged_on"]
        days = window.booking_window(case["urgency"], triaged_on,
                                     working_calendar(triaged_on), settings.window)
    except window.NoAppointment as no:
        raise BookingRejected(no.code, no.reason)
    allowed = setup.urgencies.get(appt_type.id) or frozenset()
    if allowed and case["urgency"] not in allowed:
        raise BookingRejected("wrong_appointment_type", "Your case needs a different "
                              "kind of appointment.")
    return days


def free_slots(cur, setup, settings, now, type_id, first_day, last_day, office_id=None,
               step_free=False, case=None):
    appt_type = setup.type(type_id)
    today = settings.today(now)
    allowed = _window_for(setup, appt_type, case, settings, today)
    if allowed is not None:
        first_day, last_day = max(first_day, allowed.first_day), min(last_day,
                                                                      allowed.last_day)
    first_day = max(first_day, today)
    offices = [setup.office(office_id)] if office_id else [
        setup.offices[o] for o in sorted(appt_type.office_ids) if o in setup.offices]
    offices = [o for o in offices if window.accessible(o, step_free)]
    if first_day > last_day or not offices:
        return []
    cal = working_calendar(first_day, last_day)
    found = []
    for office in offices:
        found += availability.slots_between(office, appt_type, setup.advisers, first_day,
                                            last_day, cal, settings.tz)
    found = [s for s in found if s.start > now]
    if not found:
        return []
    taken = store.live_places(cur, type_id, {s.office_id for s in found},
                              min(s.start for s in found),
                              max(s.start for s in found) + dt.timedelta(seconds=1), now)
    free = []
    for slot in sorted(found, key=lambda s: (s.start, s.office_id)):
        remaining = slot.capacity - taken.get((slot.office_id, slot.start), 0)
        if remaining > 0:
            free.append((slot, remaining))
    return free


def search(cur, settings, now, type_id, first_day, last_day, office_id=None,
           step_free=False, case_reference=None):
    setup = Setup.load(cur)
    case = _case(cur, case_reference)
    free = free_slots(cur, setup, settings, now, type_id, first_day, last_day, office_id,
                      step_free, case)
    return {"slots": [_slot_view(s, n, settings.tz) for s, n in free]}


def _find_slot(setup, settings, office_id, type_id, start):
    office, appt_type = setup.office(office_id), setup.type(type_id)
    day = start.astimezone(settings.tz).date()
    for slot in availability.slots_for_day(office, appt_type, setup.advisers, day,
                                           working_calendar(day), settings.tz):
        if slot.start == start:
            return slot
    raise SlotNotFound("There is no appointment at that time. Choose one of the times "
                       "shown.")


def _alternatives(cur, setup, settings, now, slot, case):
    day = slot.start.astimezone(settings.tz).date()
    try:
        free = free_slots(cur, setup, settings, now, slot.type_id, day,
                          day + dt.timedelta(days=ALTERNATIVE_DAYS), slot.office_id, False,
                          case)
    except BookingRejected:
        return []
    nearest = availability.nearest([s for s, _ in free], slot.start)
    remaining = {s.key: n for s, n in free}
    return [_slot_view(s, remaining[s.key], settings.tz) for s in nearest]

# -- holding a place, and booking it -----------------------------------------------


def _end_lapsed_holds(cur, settings, slot_id, now):
    """Ends the slot's lapsed holds (the caller holds the slot's lock): their
    places, and any emergency place, go back; a lapsed offer lapses."""
    ended_holds = store.expire_holds_in(cur, slot_id, now)
    for ended in ended_holds:
        if ended["ring_fenced"]:
            store.give_back_ring_fenced(cur, ended["office_id"],
                                        ended["starts_at"].astimezone(settings.tz).date())
        if ended["waitlist_id"]:
            store.set_waitlist(cur, ended["waitlist_id"], "lapsed")
    return len(ended_holds)


def _take_place(cur, settings, slot_id, now):
    """One more place in the locked slot, after lapsed holds give theirs back."""
    _end_lapsed_holds(cur, settings, slot_id, now)
    return store.take(cur, slot_id)


def _secret(settings, booking_id):
    return references.keyed_code(settings.secret_key, b"booking:", booking_id)


def _with_secret(booking, settings):
    """The booking's view with its secret: only for the person it is for."""
    return {**booking_view(booking, settings), "secret": _secret(settings, booking["id"])}


def _check_in_window(allowed, slot, settings):
    """Refuses a slot outside the case's window (`allowed`; None: any day)."""
    if allowed is None:
        return
    try:
        window.check_in_window(allowed, slot.start.astimezone(settings.tz).date())
    except window.OutsideWindow as out:
        raise BookingRejected(out.code, out.reason)


def hold(uow, settings, now, office_id, type_id, start, case_reference=None,
         step_free=False, booked_by="resident", idempotency_key=None):
    cur = uow.cursor
    if idempotency_key:
        earlier = store.booking_by_idempotency_key(cur, idempotency_key)
        if earlier is not None:
            return _with_secret(earlier, settings)
    setup = Setup.load(cur)
    slot = _find_slot(setup, settings, office_id, type_id, start)
    if slot.start <= now:
        raise BookingRejected("slot_in_the_past", "That time has passed. Choose another.")
    if not window.accessible(setup.office(office_id), step_free):
        raise BookingRejected("office_not_step_free", "This office does not have "
                              "step-free access. Choose a step-free office.")
    case = _case(cur, case_reference)
    allowed = _window_for(setup, setup.type(type_id), case, settings, settings.today(now))
    _check_in_window(allowed, slot, settings)
    if case is not None and store.live_booking_for_case(cur, case["case_id"]):
        raise _already_booked()
    store.savepoint(cur, "hold")
    try:
        held = _hold(uow, settings, now, setup, slot, case, allowed, step_free, booked_by,
                     idempotency_key)
    except psycopg2.errors.UniqueViolation:
        # Two holds at once for one case, or one key: the other one stands.
        store.rollback_to(cur, "hold")
        if idempotency_key:
            earlier = store.booking_by_idempotency_key(cur, idempotency_key)
            if earlier is not None:
                return _with_secret(earlier, settings)
        raise _already_booked()
    if case is not None:
        store.leave_waitlist_for_case(cur, case["case_id"])
    return _with_secret(held, settings)


def _already_booked():
    return BookingRejected("case_already_booked", "Your case already has an appointment. "
                           "Change that one instead.")


def _hold(uow, settings, now, setup, slot, case, allowed, step_free, booked_by,
          idempotency_key, waitlist_id=None):
    """A place held in the slot: the new booking's row."""
    cur = uow.cursor
    slot_id = store.ensure_slot(cur, slot)
    store.lock_slot(cur, slot_id)
    store.follow_staffing(cur, slot_id, slot.capacity)
    if not _take_place(cur, settings, slot_id, now):
        raise SlotConflict("slot_full", "Someone else has just taken the last place at "
                           "that time. Choose another time.",
                           alternatives=_alternatives(cur, setup, settings, now, slot, case))
    ring_fenced = bool(allowed and allowed.ring_fenced)
    if ring_fenced and not store.take_ring_fenced(
            cur, slot.office_id, slot.start.astimezone(settings.tz).date(),
            settings.window.emergency_places_per_office_per_day):
        raise SlotConflict("emergency_places_taken", "Today's emergency appointments at "
                           "this office are all taken. Call us now instead.", alternatives=[])
    booking = {"id": uuid.uuid4(), "slot_id": slot_id,
               "hold_expires_at": window.hold_expires_at(now, settings.window),
               "case_id": case["case_id"] if case else None, "ring_fenced": ring_fenced,
               "step_free": step_free, "booked_by": booked_by, "waitlist_id": waitlist_id,
               "idempotency_key": idempotency_key, "created_at": now}
    booking["secret_sha256"] = references.code_sha256(_secret(settings, booking["id"]))
    for _ in range(REFERENCE_ATTEMPTS):
        booking["reference"] = references.new_reference(REFERENCE_PREFIX)
        if store.insert_booking(cur, booking):
            break
    else:
        raise RuntimeError("could not allocate a free booking reference")
    return store.booking_by_id(cur, booking["id"])


def _booking(cur, reference, secret=None, staff_id=None):
    """The booking: the person's with its secret, or staff's by reference
    alone. A wrong secret is not found, as an unknown reference is."""
    if not staff_id:
        return _mine(cur, reference, secret)
    normalised = references.normalise(reference)
    found = store.booking_by_reference(cur, normalised) if normalised else None
    if found is None:
        raise BookingNotFound("There is no booking with that reference.")
    return found


def _locked_booking(cur, reference, secret=None, staff_id=None):
    """The booking, after its slot's lock and then its own: slot before
    booking, the order every path takes, so none waits on another in a
    circle."""
    found = _booking(cur, reference, secret, staff_id)
    while True:
        store.lock_slot(cur, found["slot_id"])
        booking = store.booking_by_id(cur, found["id"], lock=True)
        if booking["slot_id"] == found["slot_id"]:
            return booking
        found = booking  # moved meanwhile: lock its new slot instead


def _mine(cur, reference, secret):
    normalised = references.normalise(reference)
    booking = store.booking_by_reference(cur, normalised) if normalised else None
    if not references.code_matches(secret, booking["secret_sha256"] if booking else None):
        raise BookingNotFound("We could not find a booking with that reference and code. "
                              "Check both and try again.")
    return booking


def confirm(uow, settings, now, reference, secret, name, email=None, phone=None,
            step_free=False, interpreter=None, staff_id=None):
    cur = uow.cursor
    booking = _locked_booking(cur, reference, secret, staff_id)
    if booking["status"] == "confirmed":
        return booking_view(booking, settings)
    if booking["status"] != "held" or booking["hold_expires_at"] <= now:
        raise BookingRejected("hold_expired", "We could only keep that time for you for "
                              f"{settings.window.hold_minutes} minutes. Choose a time again.")
    details = {"name": name, "email": email, "phone": phone, "step_free": step_free,
               "interpreter": interpreter}
    store.confirm(cur, booking["id"], details, now)
    if booking["waitlist_id"]:
        store.set_waitlist(cur, booking["waitlist_id"], "booked")
    due = window.reminder_due_at(booking["starts_at"], now, settings.window)
    if due is not None:
        store.schedule_reminder(cur, booking["id"], due)
    booking = store.booking_by_id(cur, booking["id"])
    uow.publish("SlotBooked", {**_event(booking), "booked_by": staff_id or "resident"},
                occurred_at=now)
    return booking_view(booking, settings)


def _event(booking):
    return {"booking_id": str(booking["id"]), "reference": booking["reference"],
            "type_id": booking["type_id"], "office_id": booking["office_id"],
            "starts_at": booking["starts_at"].isoformat(),
            "ends_at": booking["ends_at"].isoformat(),
            "case_id": _iso(booking["case_id"])}


def booking_view(booking, settings):
    return {"reference": booking["reference"], "status": booking["status"],
            "office_id": booking["office_id"], "type_id": booking["type_id"],
            "start": booking["starts_at"].isoformat(), "end": booking["ends_at"].isoformat(),
            "local_start": booking["starts_at"].astimezone(settings.tz).isoformat(),
            "hold_expires_at": _iso(booking["hold_expires_at"]),
            "step_free": booking["step_free"], "interpreter": booking["interpreter"],
            "case_id": _iso(booking["case_id"]), "sequence": booking["sequence"]}


def get_booking(cur, settings, reference, secret):
    return booking_view(_mine(cur, reference, secret), settings)


def _contact(booking):
    email, phone = booking["email"] or None, booking["phone"] or None
    if not email and not phone:
        return None
    return {"email": email, "phone": phone,
            "preferred": "email" if email else "sms",
            "safe_channel_only": False}


def notification_facts(cur, settings, booking_id, with_calendar=False):
    """The facts a message about this booking needs, for the notification
    service to fetch when the event arrives (events carry only ids). `manage_path`
    holds the booking's secret: it goes only to the person's own address."""
    booking = store.booking_by_id(cur, booking_id)
    if booking is None:
        raise BookingNotFound("There is no booking with that id.")
    setup = Setup.load(cur)
    office, appt_type = setup.office(booking["office_id"]), setup.type(booking["type_id"])
    facts = {"contact": _contact(booking), "reference": booking["reference"],
             "status": booking["status"], "type_name": appt_type.name,
             "office_name": office.name, "office_address": office.address,
             "start": booking["starts_at"].astimezone(dt.timezone.utc).isoformat(),
             "end": booking["ends_at"].astimezone(dt.timezone.utc).isoformat(),
             "manage_path": (f"/bookings/manage/{booking['reference']}"
                             f"?code={_secret(settings, booking['id'])}"),
             # a place held for someone on the waiting list, to take it
             "offer_path": (f"/bookings/offer/{booking['reference']}"
                            f"?code={_secret(settings, booking['id'])}")}
    if with_calendar:
        facts["calendar_ics"] = _calendar_file(booking, office, appt_type)
    return facts

# -- cancelling and moving ---------------------------------------------------------


def _check_change(booking, now, settings, staff_id):
    if booking["status"] not in ("confirmed", "held"):
        raise BookingRejected("booking_not_active", "This booking has been cancelled.")
    # Staff act for a person who phoned or came in, so the cut-off is theirs
    # to waive; and letting go of a hold never needs it.
    if not staff_id and booking["status"] == "confirmed":
        try:
            window.check_can_change(booking["starts_at"], now, settings.window,
                                    settings.phone)
        except window.TooLateToChange as late:
            raise BookingRejected(late.code, late.reason)


def _give_back(cur, settings, booking):
    """The booking's place, and its emergency place, go back (its slot is
    locked by the caller)."""
    store.give_back(cur, booking["slot_id"])
    if booking["ring_fenced"]:
        store.give_back_ring_fenced(cur, booking["office_id"],
                                    booking["starts_at"].astimezone(settings.tz).date())


def cancel(uow, settings, now, reference, secret=None, staff_id=None):
    cur = uow.cursor
    booking = _locked_booking(cur, reference, secret, staff_id)
    if booking["status"] in ("cancelled", "expired"):
        return booking_view(booking, settings)
    if booking["status"] == "held" and booking["hold_expires_at"] <= now:
        _end_lapsed_holds(cur, settings, booking["slot_id"], now)
        return booking_view(store.booking_by_id(cur, booking["id"]), settings)
    _check_change(booking, now, settings, staff_id)
    store.set_status(cur, booking["id"], "cancelled", now)
    store.cancel_reminder(cur, booking["id"], now)
    if booking["waitlist_id"] and booking["status"] == "held":
        store.set_waitlist(cur, booking["waitlist_id"], "left")
    _give_back(cur, settings, booking)
    _offer_freed_place(uow, settings, now, booking["slot_id"])
    cancelled = store.booking_by_id(cur, booking["id"])
    if booking["status"] == "confirmed":
        uow.publish("BookingCancelled", {**_event(cancelled),
                                         "cancelled_by": staff_id or "resident"},
                    occurred_at=now)
    return booking_view(cancelled, settings)


def reschedule(uow, settings, now, reference, office_id, start, secret=None, staff_id=None):
    """The new place is taken before the old one is given back, in one
    transaction: if the new slot is full nothing changes."""
    cur = uow.cursor
    setup = Setup.load(cur)
    found = _booking(cur, reference, secret, staff_id)
    slot = _find_slot(setup, settings, office_id, found["type_id"], start)
    new_id = store.ensure_slot(cur, slot)
    # Both capacity rows, lowest id first, then the booking: two people
    # swapping times queue behind each other rather than deadlock.
    store.lock_slots(cur, new_id, found["slot_id"])
    store.follow_staffing(cur, new_id, slot.capacity)
    booking = store.booking_by_id(cur, found["id"], lock=True)
    if booking["slot_id"] != found["slot_id"]:
        raise SlotConflict("booking_changed", "Your booking changed while you were "
                           "choosing. Check it and try again.", alternatives=[])
    if booking["status"] != "confirmed":
        raise BookingRejected("booking_not_active", "Only a confirmed booking can be moved.")
    _check_change(booking, now, settings, staff_id)
    if slot.start <= now:
        raise BookingRejected("slot_in_the_past", "That time has passed. Choose another.")
    if new_id == booking["slot_id"]:
        return booking_view(booking, settings)
    if not window.accessible(setup.office(office_id), booking["step_free"]):
        raise BookingRejected("office_not_step_free", "This office does not have "
                              "step-free access. Choose a step-free office.")
    case = store.case_by_id(cur, booking["case_id"]) if booking["case_id"] else None
    allowed = _window_for(setup, setup.type(booking["type_id"]), case, settings,
                          settings.today(now))
    _check_in_window(allowed, slot, settings)
    if not _take_place(cur, settings, new_id, now):
        raise SlotConflict("slot_full", "That time is now full. Your booking has not "
                           "changed. Choose another time.",
                           alternatives=_alternatives(cur, setup, settings, now, slot, case))
    new_day = slot.start.astimezone(settings.tz).date()
    old_day = booking["starts_at"].astimezone(settings.tz).date()
    if booking["ring_fenced"] and new_day != old_day and not store.take_ring_fenced(
            cur, slot.office_id, new_day, settings.window.emergency_places_per_office_per_day):
        raise SlotConflict("emergency_places_taken", "That day's emergency appointments "
                           "are all taken. Your booking has not changed.", alternatives=[])
    store.move(cur, booking["id"], new_id, booking["ring_fenced"])
    store.give_back(cur, booking["slot_id"])
    if booking["ring_fenced"] and new_day != old_day:
        store.give_back_ring_fenced(cur, booking["office_id"], old_day)
    moved = store.booking_by_id(cur, booking["id"])
    _offer_freed_place(uow, settings, now, booking["slot_id"])
    due = window.reminder_due_at(moved["starts_at"], now, settings.window)
    if due is None:
        store.cancel_reminder(cur, booking["id"], now)
    else:
        store.schedule_reminder(cur, booking["id"], due)
    uow.publish("BookingRescheduled", {
        **_event(moved), "previous_starts_at": booking["starts_at"].isoformat(),
        "previous_office_id": booking["office_id"], "sequence": moved["sequence"]},
        occurred_at=now)
    return booking_view(moved, settings)


def calendar(cur, settings, reference, secret):
    booking = _mine(cur, reference, secret)
    setup = Setup.load(cur)
    return _calendar_file(booking, setup.office(booking["office_id"]),
                          setup.type(booking["type_id"]))


def _calendar_file(booking, office, appt_type):
    cancelled = booking["status"] in ("cancelled", "expired")
    return calendar_file.booking_ics(
        uid=f"{booking['id']}@townhall", sequence=booking["sequence"],
        start=booking["starts_at"], end=booking["ends_at"],
        summary=f"{appt_type.name} ({booking['reference']})",
        location=f"{office.name}, {office.address}",
        description=f"Booking reference {booking['reference']}.",
        method="CANCEL" if cancelled else "REQUEST").decode("utf-8")

# -- the waiting list ----------------------------------------------------------------


def join_waitlist(uow, settings, now, type_id, case_reference=None, office_id=None,
                  step_free=False):
    """Joins the list; the code returned lets the person see and take an
    offer (`waitlist_offer`). A case already waiting keeps its place."""
    cur = uow.cursor
    setup = Setup.load(cur)
    appt_type = setup.type(type_id)
    if office_id:
        setup.office(office_id)
    case = _case(cur, case_reference)
    today = settings.today(now)
    allowed = _window_for(setup, appt_type, case, settings, today)
    first_day, last_day = ((max(today, allowed.first_day), allowed.last_day) if allowed
                           else (today, today + dt.timedelta(days=28)))
    if first_day > last_day:
        raise BookingRejected("window_passed", "The time to book this appointment has "
                              "passed. Call us instead on " + settings.phone + ".")
    code = references.new_code()
    entry = store.join_waitlist(cur, {"case_id": case["case_id"] if case else None,
                                      "type_id": type_id, "office_id": office_id,
                                      "first_day": first_day, "last_day": last_day,
                                      "step_free": step_free, "joined_at": now,
                                      "code_sha256": references.code_sha256(code)})
    if entry is None:
        raise BookingRejected("already_waiting", "Your case is already on the waiting "
                              "list. We will tell you when a place comes free.")
    return {"waitlist_id": entry["id"], "status": entry["status"], "code": code,
            "first_day": first_day.isoformat(), "last_day": last_day.isoformat()}


def waitlist_offer(cur, settings, now, waitlist_id, code):
    """Where the person stands on the list; with an offer, the held place's
    reference and secret, to confirm it like any hold."""
    entry = store.waitlist_by_code(cur, waitlist_id, references.code_sha256(code))
    if entry is None:
        raise BookingNotFound("We could not find a waiting list place with that number "
                              "and code.")
    view = {"waitlist_id": entry["id"], "status": entry["status"],
            "first_day": entry["first_day"].isoformat(),
            "last_day": entry["last_day"].isoformat(), "offer": None}
    if entry["status"] == "offered" and entry["offered_booking_id"]:
        held = store.booking_by_id(cur, entry["offered_booking_id"])
        if held["status"] == "held" and held["hold_expires_at"] > now:
            view["offer"] = _with_secret(held, settings)
    return view


def _offer_freed_place(uow, settings, now, slot_id, attempts=5):
    """A place came free in this (locked) slot: hold it for the first person
    waiting who can take it, and tell them (WaitlistOfferMade). An entry that
    cannot take it (say, the case booked elsewhere) is passed over; nothing
    here can undo the change that freed the place."""
    cur = uow.cursor
    row = store.lock_slot(cur, slot_id)
    if row["starts_at"] <= now or row["taken"] >= row["capacity"]:
        return None
    setup = Setup.load(cur)
    office = setup.offices.get(row["office_id"])
    if office is None:
        return None
    day = row["starts_at"].astimezone(settings.tz).date()
    passed_over = []
    for _ in range(attempts):
        entry = store.first_waiting(cur, row["type_id"], row["office_id"], day,
                                    office.step_free, passed_over)
        if entry is None:
            return None
        store.savepoint(cur, "offer")
        try:
            slot = _find_slot(setup, settings, row["office_id"], row["type_id"],
                              row["starts_at"])
            case = store.case_by_id(cur, entry["case_id"]) if entry["case_id"] else None
            if case is not None and store.live_booking_for_case(cur, case["case_id"]):
                raise _already_booked()
            allowed = _window_for(setup, setup.type(row["type_id"]), case, settings,
                                  settings.today(now))
            booking = _hold(uow, settings, now, setup, slot, case, allowed,
                            entry["step_free"], "waitlist", None, waitlist_id=entry["id"])
        except (BookingRejected, SlotConflict, SlotNotFound, psycopg2.Error):
            store.rollback_to(cur, "offer")
            store.set_waitlist(cur, entry["id"], "left")
            passed_over.append(entry["id"])
            continue
        store.release(cur, "offer")
        store.set_waitlist(cur, entry["id"], "offered", booking["id"])
        uow.publish("WaitlistOfferMade", {
            "waitlist_id": entry["id"], "hold_id": str(booking["id"]),
            "reference": booking["reference"], "type_id": row["type_id"],
            "office_id": row["office_id"], "starts_at": row["starts_at"].isoformat(),
            "expires_at": booking["hold_expires_at"].isoformat(),
            "case_id": _iso(entry["case_id"])}, occurred_at=now)
        return booking["id"]
    return None

# -- scheduled work ------------------------------------------------------------------


def slots_with_lapsed_holds(cur, now, limit=SWEEP_BATCH):
    return store.slots_with_lapsed_holds(cur, now, limit)


def expire_holds_in_slot(uow, settings, now, slot_id):
    """One slot's lapsed holds end and give their places back; a freed place
    goes to the next person waiting. One slot per transaction keeps locks
    short and never held two at a time."""
    cur = uow.cursor
    store.lock_slot(cur, slot_id)
    freed = _end_lapsed_holds(cur, settings, slot_id, now)
    if freed:
        _offer_freed_place(uow, settings, now, slot_id)
    return freed


def send_reminders(uow, now, limit=SWEEP_BATCH):
    cur = uow.cursor
    sent = 0
    for booking in store.due_reminders(cur, now, limit):
        if booking["status"] == "confirmed":
            uow.publish("BookingReminderDue", _event(booking), occurred_at=now)
            sent += 1
        store.mark_reminder_sent(cur, booking["id"], now)
    return sent

# -- cases, from housing ---------------------------------------------------------------


def record_case(uow, settings, data):
    """`data`: CaseTriaged as its contract loads it (dates and ids parsed)."""
    triaged_at = data["triaged_at"]
    store.record_case(uow.cursor, {
        "case_id": data["case_id"], "reference": data["reference"],
        "urgency": data["urgency"], "appointment_type": data.get("appointment_type"),
        "triaged_on": triaged_at.astimezone(settings.tz).date(), "triaged_at": triaged_at})

# -- staff -------------------------------------------------------------------------------


def office_day(cur, settings, office_id, day):
    """The office's confirmed bookings for a day, with the needs staff must
    prepare for (step-free access, an interpreter and the language)."""
    start = dt.datetime.combine(day, dt.time(0), settings.tz)
    rows = store.bookings_for_office_day(cur, office_id, start, start + dt.timedelta(days=1))
    return {"bookings": [{**booking_view(r, settings), "name": r["name"]} for r in rows]}


def save_adviser(uow, adviser):
    cur = uow.cursor
    if adviser["office_id"] not in Setup.load(cur).offices:
        raise ValidationError({"office_id": ["There is no office with that id."]})
    store.upsert_adviser(cur, adviser)


def setup_view(cur):
    return {"offices": store.offices(cur), "types": store.appointment_types(cur),
            "advisers": store.advisers(cur)}
