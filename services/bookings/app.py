"""Bookings use cases: availability, holds, bookings, changes, the waiting
list, reminders and what triaged cases may book.

Every place in a slot is taken or given back under that slot's row lock, and
the `slots.taken <= capacity` CHECK makes an overbooking impossible even if
this code were wrong. Changes that touch two slots lock them in id order.
"""
import dataclasses
import datetime as dt
import hashlib
import hmac
import uuid

from services.bookings import store
from services.bookings.domain import availability, calendar_file, window
from services.bookings.domain.model import Adviser, AppointmentType, Office
from services.bookings.errors import (BookingNotFound, BookingRejected, CaseNotFound,
                                      OfficeNotFound, SlotConflict, SlotNotFound,
                                      TypeNotFound)
from services.kit import references
from services.kit.workdays import working_calendar

REFERENCE_PREFIX = "BK"
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


def _sha256(text):
    return hashlib.sha256(text.encode("utf-8")).digest()


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
    """The days a booking of this type may fall on, or a rejection."""
    if not appt_type.needs_case:
        return None
    if case is None:
        raise BookingRejected("case_needed", "This appointment is for people who have "
                              "answered the housing questions. Enter your case reference.")
    try:
        days = window.booking_window(case["urgency"], today, working_calendar(today),
                                     settings.window)
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


def _take_place(cur, slot, now):
    """The slot's capacity row, locked, with one more place taken; or None
    when it is full. Lapsed holds give their places back first."""
    row = store.slot_row(cur, slot)
    _end_lapsed_holds(cur, row["id"], now)
    return row if store.take(cur, row["id"]) else None


def _end_lapsed_holds(cur, slot_id, now):
    for ended in store.expire_holds_in(cur, slot_id, now):
        if ended["waitlist_id"]:
            store.set_waitlist(cur, ended["waitlist_id"], "lapsed")


def _secret(settings, booking_id):
    digest = hmac.new(settings.secret_key, b"booking:" + booking_id.bytes,
                      hashlib.sha256).digest()
    return references.code_from_digest(digest)


def hold(uow, settings, now, office_id, type_id, start, case_reference=None,
         step_free=False, booked_by="resident", idempotency_key=None):
    cur = uow.cursor
    if idempotency_key:
        earlier = store.booking_by_idempotency_key(cur, idempotency_key)
        if earlier is not None:
            return {**booking_view(earlier, settings), "secret": _secret(settings, earlier["id"])}
    setup = Setup.load(cur)
    slot = _find_slot(setup, settings, office_id, type_id, start)
    if slot.start <= now:
        raise BookingRejected("slot_in_the_past", "That time has passed. Choose another.")
    if not window.accessible(setup.office(office_id), step_free):
        raise BookingRejected("office_not_step_free", "This office does not have "
                              "step-free access. Choose a step-free office.")
    case = _case(cur, case_reference)
    allowed = _window_for(setup, setup.type(type_id), case, settings, settings.today(now))
    if allowed is not None:
        try:
            window.check_in_window(allowed, slot.start.astimezone(settings.tz).date())
        except window.OutsideWindow as out:
            raise BookingRejected(out.code, out.reason)
    if case is not None and store.live_booking_for_case(cur, case["case_id"]):
        raise BookingRejected("case_already_booked", "Your case already has an "
                              "appointment. Change that one instead.")
    return _hold(uow, settings, now, setup, slot, case, allowed, step_free, booked_by,
                 idempotency_key)


def _hold(uow, settings, now, setup, slot, case, allowed, step_free, booked_by,
          idempotency_key, waitlist_id=None):
    cur = uow.cursor
    row = _take_place(cur, slot, now)
    if row is None:
        raise SlotConflict("slot_full", "Someone else has just taken the last place at "
                           "that time. Choose another time.",
                           alternatives=_alternatives(cur, setup, settings, now, slot, case))
    ring_fenced = bool(allowed and allowed.ring_fenced)
    if ring_fenced and not store.take_ring_fenced(
            cur, slot.office_id, slot.start.astimezone(settings.tz).date(),
            settings.window.emergency_places_per_office_per_day):
        raise SlotConflict("emergency_places_taken", "Today's emergency appointments at "
                           "this office are all taken. Call us now instead.", alternatives=[])
    booking = {"id": uuid.uuid4(), "slot_id": row["id"],
               "hold_expires_at": window.hold_expires_at(now, settings.window),
               "case_id": case["case_id"] if case else None, "ring_fenced": ring_fenced,
               "step_free": step_free, "booked_by": booked_by, "waitlist_id": waitlist_id,
               "idempotency_key": idempotency_key, "created_at": now}
    booking["secret_sha256"] = _sha256(_secret(settings, booking["id"]))
    for _ in range(REFERENCE_ATTEMPTS):
        booking["reference"] = references.new_reference(REFERENCE_PREFIX)
        if store.insert_booking(cur, booking):
            break
    else:
        raise RuntimeError("could not allocate a free booking reference")
    stored = store.booking_by_id(cur, booking["id"])
    return {**booking_view(stored, settings), "secret": _secret(settings, booking["id"])}


def _mine(cur, reference, secret, lock=False):
    normalised = references.normalise(reference)
    booking = store.booking_by_reference(cur, normalised, lock) if normalised else None
    stored = bytes(booking["secret_sha256"]) if booking else b"\0" * 32
    if booking is None or not hmac.compare_digest(
            _sha256(references.normalise_code(secret)), stored):
        raise BookingNotFound("We could not find a booking with that reference and code. "
                              "Check both and try again.")
    return booking


def _staff_booking(cur, reference, lock=False):
    booking = store.booking_by_reference(cur, references.normalise(reference) or "", lock)
    if booking is None:
        raise BookingNotFound("There is no booking with that reference.")
    return booking


def confirm(uow, settings, now, reference, secret, name, email=None, phone=None,
            step_free=False, interpreter=None, staff_id=None):
    cur = uow.cursor
    booking = (_staff_booking(cur, reference, lock=True) if staff_id
               else _mine(cur, reference, secret, lock=True))
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

# -- cancelling and moving ---------------------------------------------------------


def _check_change(booking, now, settings, staff_id):
    if booking["status"] not in ("confirmed", "held"):
        raise BookingRejected("booking_not_active", "This booking has been cancelled.")
    # Staff act for a person who phoned or came in, so the cut-off is theirs to waive.
    if not staff_id:
        try:
            window.check_can_change(booking["starts_at"], now, settings.window,
                                    settings.phone)
        except window.TooLateToChange as late:
            raise BookingRejected(late.code, late.reason)


def _release(uow, settings, now, booking):
    """Gives the booking's place back, then offers it to the waiting list."""
    cur = uow.cursor
    store.lock_slot(cur, booking["slot_id"])
    store.give_back(cur, booking["slot_id"])
    if booking["ring_fenced"]:
        store.give_back_ring_fenced(cur, booking["office_id"],
                                    booking["starts_at"].astimezone(settings.tz).date())
    _offer_freed_place(uow, settings, now, booking["slot_id"])


def cancel(uow, settings, now, reference, secret=None, staff_id=None):
    cur = uow.cursor
    booking = (_staff_booking(cur, reference, lock=True) if staff_id
               else _mine(cur, reference, secret, lock=True))
    if booking["status"] == "cancelled":
        return booking_view(booking, settings)
    _check_change(booking, now, settings, staff_id)
    store.set_status(cur, booking["id"], "cancelled", now)
    store.cancel_reminder(cur, booking["id"], now)
    _release(uow, settings, now, booking)
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
    booking = (_staff_booking(cur, reference, lock=True) if staff_id
               else _mine(cur, reference, secret, lock=True))
    if booking["status"] != "confirmed":
        raise BookingRejected("booking_not_active", "Only a confirmed booking can be moved.")
    _check_change(booking, now, settings, staff_id)
    setup = Setup.load(cur)
    slot = _find_slot(setup, settings, office_id, booking["type_id"], start)
    if slot.start <= now:
        raise BookingRejected("slot_in_the_past", "That time has passed. Choose another.")
    if slot.start == booking["starts_at"] and slot.office_id == booking["office_id"]:
        return booking_view(booking, settings)
    if not window.accessible(setup.office(office_id), booking["step_free"]):
        raise BookingRejected("office_not_step_free", "This office does not have "
                              "step-free access. Choose a step-free office.")
    case = store.case_by_id(cur, booking["case_id"]) if booking["case_id"] else None
    allowed = _window_for(setup, setup.type(booking["type_id"]), case, settings,
                          settings.today(now))
    if allowed is not None:
        try:
            window.check_in_window(allowed, slot.start.astimezone(settings.tz).date())
        except window.OutsideWindow as out:
            raise BookingRejected(out.code, out.reason)
    # Lock both capacity rows in id order, so two people swapping never deadlock.
    new_row = store.slot_row(cur, slot)
    old_id = booking["slot_id"]
    if new_row["id"] > old_id:
        store.lock_slot(cur, old_id)
    _end_lapsed_holds(cur, new_row["id"], now)
    if not store.take(cur, new_row["id"]):
        raise SlotConflict("slot_full", "That time is now full. Your booking has not "
                           "changed. Choose another time.",
                           alternatives=_alternatives(cur, setup, settings, now, slot, case))
    store.move(cur, booking["id"], new_row["id"], booking["ring_fenced"])
    moved = store.booking_by_id(cur, booking["id"])
    _release(uow, settings, now, booking)
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
    office, appt_type = setup.office(booking["office_id"]), setup.type(booking["type_id"])
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
    cur = uow.cursor
    setup = Setup.load(cur)
    appt_type = setup.type(type_id)
    if office_id:
        setup.office(office_id)
    case = _case(cur, case_reference)
    today = settings.today(now)
    allowed = _window_for(setup, appt_type, case, settings, today)
    first_day, last_day = ((allowed.first_day, allowed.last_day) if allowed
                           else (today, today + dt.timedelta(days=28)))
    entry = store.join_waitlist(cur, {"case_id": case["case_id"] if case else None,
                                      "type_id": type_id, "office_id": office_id,
                                      "first_day": first_day, "last_day": last_day,
                                      "step_free": step_free, "joined_at": now})
    return {"waitlist_id": entry["id"], "status": entry["status"],
            "first_day": first_day.isoformat(), "last_day": last_day.isoformat()}


def _offer_freed_place(uow, settings, now, slot_id):
    """A place came free in this slot: hold it for the first person waiting
    who could take it, and tell them (WaitlistOfferMade)."""
    cur = uow.cursor
    row = store.lock_slot(cur, slot_id)
    if row["starts_at"] <= now or row["taken"] >= row["capacity"]:
        return None
    entry = store.first_waiting(cur, row["type_id"], row["office_id"],
                                row["starts_at"].astimezone(settings.tz).date())
    if entry is None:
        return None
    setup = Setup.load(cur)
    if not window.accessible(setup.office(row["office_id"]), entry["step_free"]):
        return None
    slot = _find_slot(setup, settings, row["office_id"], row["type_id"], row["starts_at"])
    case = store.case_by_id(cur, entry["case_id"]) if entry["case_id"] else None
    allowed = _window_for(setup, setup.type(row["type_id"]), case, settings,
                          settings.today(now))
    held = _hold(uow, settings, now, setup, slot, case, allowed, entry["step_free"],
                 "waitlist", None, waitlist_id=entry["id"])
    booking = store.booking_by_reference(cur, held["reference"])
    store.set_waitlist(cur, entry["id"], "offered", booking["id"])
    uow.publish("WaitlistOfferMade", {
        "waitlist_id": entry["id"], "hold_id": str(booking["id"]),
        "reference": booking["reference"], "type_id": row["type_id"],
        "office_id": row["office_id"], "starts_at": row["starts_at"].isoformat(),
        "expires_at": booking["hold_expires_at"].isoformat(),
        "case_id": _iso(entry["case_id"])}, occurred_at=now)
    return booking["id"]

# -- scheduled work ------------------------------------------------------------------


def expire_holds(uow, settings, now, limit=SWEEP_BATCH):
    """Lapsed holds give their places back; a lapsed waiting-list offer goes
    to the next person waiting."""
    cur = uow.cursor
    ended = 0
    for hold_row in store.expired_holds(cur, now, limit):
        store.lock_slot(cur, hold_row["slot_id"])
        for gone in store.expire_holds_in(cur, hold_row["slot_id"], now):
            ended += 1
            booking = store.booking_by_id(cur, gone["id"])
            if gone["ring_fenced"]:
                store.give_back_ring_fenced(
                    cur, booking["office_id"],
                    booking["starts_at"].astimezone(settings.tz).date())
            if gone["waitlist_id"]:
                store.set_waitlist(cur, gone["waitlist_id"], "lapsed")
        _offer_freed_place(uow, settings, now, hold_row["slot_id"])
    return ended


def send_reminders(uow, now, limit=SWEEP_BATCH):
    cur = uow.cursor
    sent = 0
    for booking_id in store.due_reminders(cur, now, limit):
        booking = store.booking_by_id(cur, booking_id)
        if booking["status"] == "confirmed":
            uow.publish("BookingReminderDue", _event(booking), occurred_at=now)
            sent += 1
        store.mark_reminder_sent(cur, booking_id, now)
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


def setup_view(cur):
    return {"offices": store.offices(cur), "types": store.appointment_types(cur),
            "advisers": store.advisers(cur)}
