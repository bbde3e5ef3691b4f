"""Bookings use cases: availability, holds, bookings, changes, the waiting
list, reminders and what triaged cases may book.

Every place in a slot is taken or given back under that slot's row lock, and
the `slots.taken <= capacity` CHECK makes an overbooking impossible even if
this code were wrong. Changes that touch two slots lock them in id order.

Use cases reach SQL only through the store the unit of work hands out
(`uow.store`), or a read's store (`repo`); the domain's Booking and Case
decide, and a refusal is a RuleBroken.
"""
import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import psycopg2
import psycopg2.errors
from marshmallow import ValidationError

from services.bookings.domain import availability, bookings, calendar_file, model, window
from services.bookings.domain.bookings import Booking, Case
from services.bookings.domain.model import (REFERENCE_PREFIX, Adviser, AppointmentType, Office,
                                           Slot)
from services.bookings.domain.window import Window
from services.bookings.errors import (BookingNotFound, CaseNotFound, OfficeNotFound,
                                      SlotNotFound, TypeNotFound)
from services.bookings.settings import BookingsSettings
from services.kit import references
from services.kit.replies import wire_value
from services.kit.db import Store, Work
from services.kit.rules import RuleBroken, decided
from services.council import links
from services.council.workdays import working_calendar

REFERENCE_ATTEMPTS = 8
SWEEP_BATCH = 200
ALTERNATIVE_DAYS = 7

# A row of the store's, or a record to store: column name -> value.
Row = Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Setup:
    """What can be booked, as the domain's objects, read at each call (a
    handful of rows) so a supervisor's change applies at once."""
    offices: dict
    types: dict
    urgencies: dict
    advisers: tuple

    @classmethod
    def load(cls, repo: Store) -> "Setup":
        types = {r["id"]: r for r in repo.appointment_types()}
        return cls(
            offices={r["id"]: Office.from_dict(r) for r in repo.offices()},
            types={k: AppointmentType.from_dict(r) for k, r in types.items()},
            urgencies={k: frozenset(r["urgencies"] or ()) for k, r in types.items()},
            advisers=tuple(Adviser.from_dict(r) for r in repo.advisers()))

    def office(self, office_id: str) -> Office:
        try:
            return self.offices[office_id]
        except KeyError:
            raise OfficeNotFound("There is no office with that id.")

    def type(self, type_id: str) -> AppointmentType:
        try:
            return self.types[type_id]
        except KeyError:
            raise TypeNotFound("There is no appointment type with that id.")

    def window_for(self, type_id: str, case: Case | None,
                   settings: BookingsSettings) -> Window | None:
        """The days a booking of this type may fall on (None: any day), or
        a RuleBroken raised."""
        return decided(bookings.window_for(self.type(type_id),
                                           self.urgencies.get(type_id) or frozenset(),
                                           case, settings.window))


def _slot_view(slot: Slot, remaining: int, tz: dt.tzinfo) -> dict[str, Any]:
    return {"office_id": slot.office_id, "type_id": slot.type_id,
            "start": slot.start.isoformat(), "end": slot.end.isoformat(),
            "local_start": slot.start.astimezone(tz).isoformat(),
            "capacity": slot.capacity, "remaining": remaining}

# -- availability ------------------------------------------------------------------


def _case(repo: Store, case_reference: str | None) -> Case | None:
    case = Case.from_row(repo.case_by_reference(case_reference)) if case_reference else None
    if case_reference and case is None:
        raise CaseNotFound("We have no triaged case with that reference yet. If you "
                           "have just finished the questions, try again in a minute.")
    return case


def free_slots(repo: Store, setup: Setup, settings: BookingsSettings, now: dt.datetime,
               type_id: str, first_day: dt.date, last_day: dt.date, office_id: str | None = None,
               step_free: bool = False, case: Case | None = None) -> list[tuple[Slot, int]]:
    appt_type = setup.type(type_id)
    today = settings.today(now)
    allowed = setup.window_for(type_id, case, settings)
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
    taken = repo.live_places(type_id, {s.office_id for s in found},
                             min(s.start for s in found),
                             max(s.start for s in found) + dt.timedelta(seconds=1), now)
    free = []
    for slot in sorted(found, key=lambda s: (s.start, s.office_id)):
        remaining = slot.capacity - taken.get((slot.office_id, slot.start), 0)
        if remaining > 0:
            free.append((slot, remaining))
    return free


def search(repo: Store, settings: BookingsSettings, now: dt.datetime, type_id: str,
           first_day: dt.date, last_day: dt.date, office_id: str | None = None,
           step_free: bool = False, case_reference: str | None = None) -> dict[str, Any]:
    setup = Setup.load(repo)
    case = _case(repo, case_reference)
    free = free_slots(repo, setup, settings, now, type_id, first_day, last_day, office_id,
                      step_free, case)
    return {"slots": [_slot_view(s, n, settings.tz) for s, n in free]}


def _find_slot(setup: Setup, settings: BookingsSettings, office_id: str, type_id: str,
               start: dt.datetime) -> Slot:
    office, appt_type = setup.office(office_id), setup.type(type_id)
    day = start.astimezone(settings.tz).date()
    for slot in availability.slots_for_day(office, appt_type, setup.advisers, day,
                                           working_calendar(day), settings.tz):
        if slot.start == start:
            return slot
    raise SlotNotFound("There is no appointment at that time. Choose one of the times "
                       "shown.")


def _alternatives(repo: Store, setup: Setup, settings: BookingsSettings, now: dt.datetime,
                  slot: Slot, case: Case | None) -> list[dict[str, Any]]:
    day = slot.start.astimezone(settings.tz).date()
    try:
        free = free_slots(repo, setup, settings, now, slot.type_id, day,
                          day + dt.timedelta(days=ALTERNATIVE_DAYS), slot.office_id, False,
                          case)
    except RuleBroken:
        return []
    nearest = availability.nearest([s for s, _ in free], slot.start)
    remaining = {s.key: n for s, n in free}
    return [_slot_view(s, remaining[s.key], settings.tz) for s in nearest]

# -- holding a place, and booking it -----------------------------------------------


def _end_lapsed_holds(repo: Store, settings: BookingsSettings, slot_id: int,
                      now: dt.datetime) -> int:
    """Ends the slot's lapsed holds (the caller holds the slot's lock): their
    places, and any emergency place, go back; a lapsed offer lapses."""
    ended_holds = repo.expire_holds_in(slot_id, now)
    for ended in ended_holds:
        if ended["ring_fenced"]:
            repo.give_back_ring_fenced(ended["office_id"],
                                       ended["starts_at"].astimezone(settings.tz).date())
        if ended["waitlist_id"]:
            repo.set_waitlist(ended["waitlist_id"], "lapsed")
    return len(ended_holds)


def _take_place(repo: Store, settings: BookingsSettings, slot_id: int,
                now: dt.datetime) -> bool:
    """One more place in the locked slot, after lapsed holds give theirs back."""
    _end_lapsed_holds(repo, settings, slot_id, now)
    return repo.take(slot_id)


def _secret(settings: BookingsSettings, booking_id: uuid.UUID) -> str:
    return references.keyed_code(settings.secret_key, b"booking:", booking_id)


def _with_secret(booking: Booking, settings: BookingsSettings) -> dict[str, Any]:
    """The booking's view with its secret: only for the person it is for."""
    return {**booking_view(booking, settings), "secret": _secret(settings, booking.id)}


def _by_id(repo: Store, booking_id: uuid.UUID, lock: bool = False) -> Booking | None:
    return Booking.from_row(repo.booking_by_id(booking_id, lock))


def hold(uow: Work, settings: BookingsSettings, now: dt.datetime, office_id: str, type_id: str,
         start: dt.datetime, case_reference: str | None = None, step_free: bool = False,
         booked_by: str = "resident", idempotency_key: str | None = None) -> dict[str, Any]:
    repo = uow.store
    if idempotency_key:
        earlier = Booking.from_row(repo.booking_by_idempotency_key(idempotency_key))
        if earlier is not None:
            return _with_secret(earlier, settings)
    setup = Setup.load(repo)
    slot = _find_slot(setup, settings, office_id, type_id, start)
    decided(bookings.slot_passed(slot, now))
    decided(bookings.not_step_free(setup.office(office_id), step_free))
    case = _case(repo, case_reference)
    allowed = setup.window_for(type_id, case, settings)
    decided(bookings.outside(allowed, slot, settings.tz))
    if case is not None and repo.live_booking_for_case(case.case_id):
        raise bookings.already_booked()
    repo.savepoint("hold")
    try:
        held = _hold(repo, settings, now, setup, slot, case, allowed, step_free, booked_by,
                     idempotency_key)
    except psycopg2.errors.UniqueViolation:
        # Two holds at once for one case, or one key: the other one stands.
        repo.rollback_to("hold")
        if idempotency_key:
            earlier = Booking.from_row(repo.booking_by_idempotency_key(idempotency_key))
            if earlier is not None:
                return _with_secret(earlier, settings)
        raise bookings.already_booked()
    if case is not None:
        repo.leave_waitlist_for_case(case.case_id)
    return _with_secret(held, settings)


def _hold(repo: Store, settings: BookingsSettings, now: dt.datetime, setup: Setup, slot: Slot,
          case: Case | None, allowed: Window | None, step_free: bool, booked_by: str,
          idempotency_key: str | None, waitlist_id: int | None = None) -> Booking:
    """A place held in the slot: the new Booking."""
    slot_id = repo.ensure_slot(slot)
    repo.lock_slot(slot_id)
    repo.follow_staffing(slot_id, slot.capacity)
    if not _take_place(repo, settings, slot_id, now):
        raise RuleBroken("slot_full", "Someone else has just taken the last place at "
                         "that time. Choose another time.", conflict=True,
                         alternatives=_alternatives(repo, setup, settings, now, slot, case))
    ring_fenced = bool(allowed and allowed.ring_fenced)
    if ring_fenced and not repo.take_ring_fenced(
            slot.office_id, slot.start.astimezone(settings.tz).date(),
            settings.window.emergency_places_per_office_per_day):
        raise RuleBroken("emergency_places_taken", "Today's emergency appointments at "
                         "this office are all taken. Call us now instead.", conflict=True,
                         alternatives=[])
    booking = {"id": uuid.uuid4(), "slot_id": slot_id,
               "hold_expires_at": window.hold_expires_at(now, settings.window),
               "case_id": case.case_id if case else None, "ring_fenced": ring_fenced,
               "step_free": step_free, "booked_by": booked_by, "waitlist_id": waitlist_id,
               "idempotency_key": idempotency_key, "created_at": now}
    booking["secret_sha256"] = references.code_sha256(_secret(settings, booking["id"]))
    for _ in range(REFERENCE_ATTEMPTS):
        booking["reference"] = references.new_reference(REFERENCE_PREFIX)
        if repo.insert_booking(booking):
            break
    else:
        raise RuntimeError("could not allocate a free booking reference")
    held = _by_id(repo, booking["id"])
    assert held is not None  # inserted just now
    return held


def _booking(repo: Store, reference: str, secret: str | None = None,
             staff_id: str | None = None) -> Booking:
    """The booking: the person's with its secret, or staff's by reference
    alone. A wrong secret is not found, as an unknown reference is."""
    if not staff_id:
        return _mine(repo, reference, secret)
    normalised = references.normalise(reference)
    found = Booking.from_row(repo.booking_by_reference(normalised) if normalised else None)
    if found is None:
        raise BookingNotFound("There is no booking with that reference.")
    return found


def _locked_booking(repo: Store, reference: str, secret: str | None = None,
                    staff_id: str | None = None) -> Booking:
    """The booking, after its slot's lock and then its own: slot before
    booking, the order every path takes, so none waits on another in a
    circle."""
    found = _booking(repo, reference, secret, staff_id)
    while True:
        repo.lock_slot(found.slot_id)
        booking = _by_id(repo, found.id, lock=True)
        assert booking is not None  # found, and bookings are never deleted
        if booking.slot_id == found.slot_id:
            return booking
        found = booking  # moved meanwhile: lock its new slot instead


def _mine(repo: Store, reference: str, secret: str | None) -> Booking:
    normalised = references.normalise(reference)
    booking = Booking.from_row(repo.booking_by_reference(normalised) if normalised else None)
    if not references.code_matches(secret, booking.secret_sha256 if booking else None):
        raise BookingNotFound("We could not find a booking with that reference and code. "
                              "Check both and try again.")
    return booking


def confirm(uow: Work, settings: BookingsSettings, now: dt.datetime, reference: str,
            secret: str | None, name: str, email: str | None = None, phone: str | None = None,
            step_free: bool = False, interpreter: str | None = None,
            staff_id: str | None = None) -> dict[str, Any]:
    repo = uow.store
    booking = _locked_booking(repo, reference, secret, staff_id)
    if booking.is_confirmed:
        return booking_view(booking, settings)
    decided(booking.confirm_refused(now, settings.window))
    details = {"name": name, "email": email, "phone": phone, "step_free": step_free,
               "interpreter": interpreter}
    repo.confirm(booking.id, details, now)
    if booking.waitlist_id:
        repo.set_waitlist(booking.waitlist_id, "booked")
    due = window.reminder_due_at(booking.starts_at, now, settings.window)
    if due is not None:
        repo.schedule_reminder(booking.id, due)
    confirmed = _by_id(repo, booking.id)
    assert confirmed is not None  # bookings are never deleted
    booking = confirmed
    uow.publish("SlotBooked", {**_event(booking), "booked_by": staff_id or "resident"},
                occurred_at=now)
    return booking_view(booking, settings)


def _event(booking: Booking) -> dict[str, Any]:
    return {"booking_id": str(booking.id), "reference": booking.reference,
            "type_id": booking.type_id, "office_id": booking.office_id,
            "starts_at": booking.starts_at.isoformat(),
            "ends_at": booking.ends_at.isoformat(),
            "case_id": wire_value(booking.case_id)}


def booking_view(booking: Booking, settings: BookingsSettings) -> dict[str, Any]:
    return {"reference": booking.reference, "status": booking.status,
            "office_id": booking.office_id, "type_id": booking.type_id,
            "start": booking.starts_at.isoformat(), "end": booking.ends_at.isoformat(),
            "local_start": booking.starts_at.astimezone(settings.tz).isoformat(),
            "hold_expires_at": wire_value(booking.hold_expires_at),
            "step_free": booking.step_free, "interpreter": booking.interpreter,
            "case_id": wire_value(booking.case_id), "sequence": booking.sequence}


def get_booking(repo: Store, settings: BookingsSettings, now: dt.datetime,
                reference: str, secret: str) -> dict[str, Any]:
    """The booking as its person sees it, and whether it is a hold that can
    still be confirmed (`live_hold`)."""
    booking = _mine(repo, reference, secret)
    return {**booking_view(booking, settings), "live_hold": booking.is_live_hold(now)}


def notification_facts(repo: Store, settings: BookingsSettings, booking_id: uuid.UUID,
                       with_calendar: bool = False) -> dict[str, Any]:
    """The facts a message about this booking needs, for the notification
    service to fetch when the event arrives (events carry only ids). Its
    links hold the booking's secret: they go only to the person's own address."""
    booking = _by_id(repo, booking_id)
    if booking is None:
        raise BookingNotFound("There is no booking with that id.")
    setup = Setup.load(repo)
    office, appt_type = setup.office(booking.office_id), setup.type(booking.type_id)
    facts = {"contact": booking.contact(), "reference": booking.reference,
             "status": booking.status, "type_name": appt_type.name,
             "office_name": office.name, "office_address": office.address,
             "start": booking.starts_at.astimezone(dt.timezone.utc).isoformat(),
             "end": booking.ends_at.astimezone(dt.timezone.utc).isoformat(),
             # managing the booking, and taking a place held for someone on
             # the waiting list
             "links": [links.link(kind, booking.reference, _secret(settings, booking.id))
                       for kind in (links.BOOKING_MANAGEMENT, links.WAITLIST_OFFER)]}
    if with_calendar:
        facts["calendar_ics"] = _calendar_file(booking, office, appt_type)
    return facts

# -- cancelling and moving ---------------------------------------------------------


def _give_back(repo: Store, settings: BookingsSettings, booking: Booking) -> None:
    """The booking's place, and its emergency place, go back (its slot is
    locked by the caller)."""
    repo.give_back(booking.slot_id)
    if booking.ring_fenced:
        repo.give_back_ring_fenced(booking.office_id, booking.day(settings.tz))


def cancel(uow: Work, settings: BookingsSettings, now: dt.datetime, reference: str,
           secret: str | None = None, staff_id: str | None = None) -> dict[str, Any]:
    repo = uow.store
    booking = _locked_booking(repo, reference, secret, staff_id)
    if booking.is_over:
        return booking_view(booking, settings)
    if booking.hold_lapsed(now):
        _end_lapsed_holds(repo, settings, booking.slot_id, now)
        lapsed = _by_id(repo, booking.id)
        assert lapsed is not None  # bookings are never deleted
        return booking_view(lapsed, settings)
    decided(booking.change_refused(now, settings.window, settings.phone, bool(staff_id)))
    repo.set_status(booking.id, "cancelled", now)
    repo.cancel_reminder(booking.id, now)
    if booking.waitlist_id and not booking.is_confirmed:
        repo.set_waitlist(booking.waitlist_id, "left")
    _give_back(repo, settings, booking)
    _offer_freed_place(uow, settings, now, booking.slot_id)
    cancelled = _by_id(repo, booking.id)
    assert cancelled is not None  # bookings are never deleted
    if booking.is_confirmed:
        uow.publish("BookingCancelled", {**_event(cancelled),
                                         "cancelled_by": staff_id or "resident"},
                    occurred_at=now)
    return booking_view(cancelled, settings)


def reschedule(uow: Work, settings: BookingsSettings, now: dt.datetime, reference: str,
               office_id: str, start: dt.datetime, secret: str | None = None,
               staff_id: str | None = None) -> dict[str, Any]:
    """The new place is taken before the old one is given back, in one
    transaction: if the new slot is full nothing changes."""
    repo = uow.store
    setup = Setup.load(repo)
    found = _booking(repo, reference, secret, staff_id)
    slot = _find_slot(setup, settings, office_id, found.type_id, start)
    new_id = repo.ensure_slot(slot)
    # Both capacity rows, lowest id first, then the booking: two people
    # swapping times queue behind each other rather than deadlock.
    repo.lock_slots(new_id, found.slot_id)
    repo.follow_staffing(new_id, slot.capacity)
    booking = _by_id(repo, found.id, lock=True)
    assert booking is not None  # found, and bookings are never deleted
    if booking.slot_id != found.slot_id:
        raise RuleBroken("booking_changed", "Your booking changed while you were "
                         "choosing. Check it and try again.", conflict=True,
                         alternatives=[])
    decided(booking.move_refused(now, settings.window, settings.phone, bool(staff_id)))
    decided(bookings.slot_passed(slot, now))
    if new_id == booking.slot_id:
        return booking_view(booking, settings)
    decided(bookings.not_step_free(setup.office(office_id), booking.step_free))
    case = Case.from_row(repo.case_by_id(booking.case_id)) if booking.case_id else None
    allowed = setup.window_for(booking.type_id, case, settings)
    decided(bookings.outside(allowed, slot, settings.tz))
    if not _take_place(repo, settings, new_id, now):
        raise RuleBroken("slot_full", "That time is now full. Your booking has not "
                         "changed. Choose another time.", conflict=True,
                         alternatives=_alternatives(repo, setup, settings, now, slot, case))
    new_day = slot.start.astimezone(settings.tz).date()
    old_day = booking.day(settings.tz)
    if booking.ring_fenced and new_day != old_day and not repo.take_ring_fenced(
            slot.office_id, new_day, settings.window.emergency_places_per_office_per_day):
        raise RuleBroken("emergency_places_taken", "That day's emergency appointments "
                         "are all taken. Your booking has not changed.", conflict=True,
                         alternatives=[])
    repo.move(booking.id, new_id, booking.ring_fenced)
    repo.give_back(booking.slot_id)
    if booking.ring_fenced and new_day != old_day:
        repo.give_back_ring_fenced(booking.office_id, old_day)
    moved = _by_id(repo, booking.id)
    assert moved is not None  # bookings are never deleted
    _offer_freed_place(uow, settings, now, booking.slot_id)
    due = window.reminder_due_at(moved.starts_at, now, settings.window)
    if due is None:
        repo.cancel_reminder(booking.id, now)
    else:
        repo.schedule_reminder(booking.id, due)
    uow.publish("BookingRescheduled", {
        **_event(moved), "previous_starts_at": booking.starts_at.isoformat(),
        "previous_office_id": booking.office_id, "sequence": moved.sequence},
        occurred_at=now)
    return booking_view(moved, settings)


def calendar(repo: Store, settings: BookingsSettings, reference: str, secret: str) -> str:
    booking = _mine(repo, reference, secret)
    setup = Setup.load(repo)
    return _calendar_file(booking, setup.office(booking.office_id),
                          setup.type(booking.type_id))


def _calendar_file(booking: Booking, office: Office, appt_type: AppointmentType) -> str:
    return calendar_file.booking_ics(
        uid=f"{booking.id}@townhall", sequence=booking.sequence,
        start=booking.starts_at, end=booking.ends_at,
        summary=f"{appt_type.name} ({booking.reference})",
        location=f"{office.name}, {office.address}",
        description=f"Booking reference {booking.reference}.",
        method="CANCEL" if booking.is_over else "REQUEST").decode("utf-8")

# -- the waiting list ----------------------------------------------------------------


def join_waitlist(uow: Work, settings: BookingsSettings, now: dt.datetime, type_id: str,
                  case_reference: str | None = None, office_id: str | None = None,
                  step_free: bool = False) -> dict[str, Any]:
    """Joins the list; the code returned lets the person see and take an
    offer (`waitlist_offer`). A case already waiting keeps its place."""
    repo = uow.store
    setup = Setup.load(repo)
    setup.type(type_id)
    if office_id:
        setup.office(office_id)
    case = _case(repo, case_reference)
    allowed = setup.window_for(type_id, case, settings)
    first_day, last_day = decided(bookings.waitlist_window(allowed, settings.today(now),
                                                           settings.phone))
    code = references.new_code()
    entry = repo.join_waitlist({"case_id": case.case_id if case else None,
                                "type_id": type_id, "office_id": office_id,
                                "first_day": first_day, "last_day": last_day,
                                "step_free": step_free, "joined_at": now,
                                "code_sha256": references.code_sha256(code)})
    if entry is None:
        raise bookings.already_waiting()
    return {"waitlist_id": entry["id"], "status": entry["status"], "code": code,
            "first_day": first_day.isoformat(), "last_day": last_day.isoformat()}


def waitlist_offer(repo: Store, settings: BookingsSettings, now: dt.datetime, waitlist_id: int,
                   code: str) -> dict[str, Any]:
    """Where the person stands on the list; with an offer, the held place's
    reference and secret, to confirm it like any hold."""
    entry = repo.waitlist_by_code(waitlist_id, references.code_sha256(code))
    if entry is None:
        raise BookingNotFound("We could not find a waiting list place with that number "
                              "and code.")
    view = {"waitlist_id": entry["id"], "status": entry["status"],
            "first_day": entry["first_day"].isoformat(),
            "last_day": entry["last_day"].isoformat(), "offer": None}
    if entry["status"] == "offered" and entry["offered_booking_id"]:
        held = _by_id(repo, entry["offered_booking_id"])
        assert held is not None  # the booking offered; bookings are never deleted
        if held.is_live_hold(now):
            view["offer"] = _with_secret(held, settings)
    return view


def _offer_freed_place(uow: Work, settings: BookingsSettings, now: dt.datetime, slot_id: int,
                       attempts: int = 5) -> uuid.UUID | None:
    """A place came free in this (locked) slot: hold it for the first person
    waiting who can take it, and tell them (WaitlistOfferMade). An entry that
    cannot take it (say, the case booked elsewhere) is passed over; nothing
    here can undo the change that freed the place."""
    repo = uow.store
    row = repo.lock_slot(slot_id)
    if row["starts_at"] <= now or row["taken"] >= row["capacity"]:
        return None
    setup = Setup.load(repo)
    office = setup.offices.get(row["office_id"])
    if office is None:
        return None
    day = row["starts_at"].astimezone(settings.tz).date()
    passed_over: list[int] = []
    for _ in range(attempts):
        entry = repo.first_waiting(row["type_id"], row["office_id"], day,
                                   office.step_free, passed_over)
        if entry is None:
            return None
        repo.savepoint("offer")
        try:
            slot = _find_slot(setup, settings, row["office_id"], row["type_id"],
                              row["starts_at"])
            case = Case.from_row(repo.case_by_id(entry["case_id"])) if entry["case_id"] \
                else None
            if case is not None and repo.live_booking_for_case(case.case_id):
                raise bookings.already_booked()
            allowed = setup.window_for(row["type_id"], case, settings)
            booking = _hold(repo, settings, now, setup, slot, case, allowed,
                            entry["step_free"], "waitlist", None, waitlist_id=entry["id"])
        except (RuleBroken, SlotNotFound, psycopg2.Error):
            repo.rollback_to("offer")
            repo.set_waitlist(entry["id"], "left")
            passed_over.append(entry["id"])
            continue
        repo.release("offer")
        assert booking.hold_expires_at is not None  # a new hold
        repo.set_waitlist(entry["id"], "offered", booking.id)
        uow.publish("WaitlistOfferMade", {
            "waitlist_id": entry["id"], "hold_id": str(booking.id),
            "reference": booking.reference, "type_id": row["type_id"],
            "office_id": row["office_id"], "starts_at": row["starts_at"].isoformat(),
            "expires_at": booking.hold_expires_at.isoformat(),
            "case_id": wire_value(entry["case_id"])}, occurred_at=now)
        return booking.id
    return None

# -- scheduled work ------------------------------------------------------------------


def slots_with_lapsed_holds(repo: Store, now: dt.datetime, limit: int = SWEEP_BATCH) -> list[int]:
    return repo.slots_with_lapsed_holds(now, limit)


def expire_holds_in_slot(uow: Work, settings: BookingsSettings, now: dt.datetime,
                         slot_id: int) -> int:
    """One slot's lapsed holds end and give their places back; a freed place
    goes to the next person waiting. One slot per transaction keeps locks
    short and never held two at a time."""
    repo = uow.store
    repo.lock_slot(slot_id)
    freed = _end_lapsed_holds(repo, settings, slot_id, now)
    if freed:
        _offer_freed_place(uow, settings, now, slot_id)
    return freed


def send_reminders(uow: Work, now: dt.datetime, limit: int = SWEEP_BATCH) -> int:
    repo = uow.store
    sent = 0
    for booking in map(Booking.from_row, repo.due_reminders(now, limit)):
        if booking.is_confirmed:
            uow.publish("BookingReminderDue", _event(booking), occurred_at=now)
            sent += 1
        repo.mark_reminder_sent(booking.id, now)
    return sent

# -- cases, from housing ---------------------------------------------------------------


def record_case(uow: Work, settings: BookingsSettings, data: Mapping[str, Any]) -> None:
    """`data`: CaseTriaged as its contract loads it (dates and ids parsed)."""
    triaged_at = data["triaged_at"]
    uow.store.record_case({
        "case_id": data["case_id"], "reference": data["reference"],
        "urgency": data["urgency"], "appointment_type": data.get("appointment_type"),
        "triaged_on": triaged_at.astimezone(settings.tz).date(), "triaged_at": triaged_at})

# -- staff -------------------------------------------------------------------------------


def office_day(repo: Store, settings: BookingsSettings, office_id: str,
               day: dt.date) -> dict[str, Any]:
    """The office's confirmed bookings for a day, with the needs staff must
    prepare for (step-free access, an interpreter and the language)."""
    start = dt.datetime.combine(day, dt.time(0), settings.tz)
    found = map(Booking.from_row, repo.bookings_for_office_day(
        office_id, start, start + dt.timedelta(days=1)))
    return {"bookings": [{**booking_view(b, settings), "name": b.name} for b in found]}


def save_office(uow: Work, office: Mapping[str, Any]) -> None:
    uow.store.upsert_office(office)


def _refuse_missing_references(repo: Store, kind: str, body: Mapping[str, Any]) -> None:
    """A ValidationError naming each office or type the change names that
    does not exist (the database would refuse them, less kindly)."""
    setup = Setup.load(repo)
    problems = model.missing_references(kind, body, setup.offices, setup.types)
    if problems:
        raise ValidationError(problems)


def save_appointment_type(uow: Work, appointment_type: Mapping[str, Any]) -> None:
    _refuse_missing_references(uow.store, "type", appointment_type)
    uow.store.upsert_type(appointment_type)


def save_adviser(uow: Work, adviser: Mapping[str, Any]) -> None:
    _refuse_missing_references(uow.store, "adviser", adviser)
    uow.store.upsert_adviser(adviser)


def setup_view(repo: Store) -> dict[str, Any]:
    """What can be booked, and which appointment type a triaged case of each
    urgency books (`case_types`)."""
    setup = Setup.load(repo)
    return {"offices": repo.offices(), "types": repo.appointment_types(),
            "advisers": repo.advisers(),
            "case_types": model.case_types(setup.types.values(), setup.urgencies)}
