"""A booking and the triaged case it may be for, as the service's rows
build them, with the rules about them: whether a hold is live, whether a
booking may be confirmed, cancelled or moved now, and which days a case's
urgency allows.

Every refusal is a RuleBroken returned as the decision; the use case raises
it. Plain Python: no SQL, no framework.
"""
import dataclasses
import datetime as dt
import uuid

from services.bookings.domain.window import (booking_window, outside_window,
                                             too_late_to_change, waitlist_days)
from services.kit.rules import RuleBroken
from services.council.workdays import working_calendar

HELD, CONFIRMED, CANCELLED, EXPIRED = "held", "confirmed", "cancelled", "expired"


def _fields(cls, row):
    return {f.name: row.get(f.name, f.default if f.default is not dataclasses.MISSING
                            else None)
            for f in dataclasses.fields(cls)}


@dataclasses.dataclass(frozen=True)
class Case:
    """What bookings knows of a triaged housing case, from CaseTriaged."""
    case_id: uuid.UUID
    reference: str
    urgency: str
    triaged_on: dt.date  # the local date: windows run from it
    appointment_type: str | None = None
    triaged_at: dt.datetime | None = None

    @classmethod
    def from_row(cls, row):
        return None if row is None else cls(**_fields(cls, row))

    def window(self, urgencies, settings):
        """The days this case may book an appointment of a type offered to
        `urgencies` (empty: any), or a RuleBroken. The window runs from the
        day the case was triaged: "within 2 working days" of asking for
        help, not of whenever the person comes back."""
        days = booking_window(self.urgency, self.triaged_on,
                              working_calendar(self.triaged_on), settings)
        if isinstance(days, RuleBroken):
            return days
        if urgencies and self.urgency not in urgencies:
            return RuleBroken("wrong_appointment_type",
                              "Your case needs a different kind of appointment.")
        return days


def window_for(appt_type, urgencies, case, settings):
    """The days a booking of this type may fall on: None (any day) when it
    needs no case, a Window, or a RuleBroken."""
    if not appt_type.needs_case:
        return None
    if case is None:
        return RuleBroken("case_needed", "This appointment is for people who have "
                          "answered the housing questions. Enter your case reference.")
    return case.window(urgencies, settings)


def waitlist_window(allowed, today, phone):
    """(first day, last day) a waiting-list place may fall on, or a
    RuleBroken once the case's window has passed. `allowed`: as window_for
    gives it (None: the default stretch of days ahead)."""
    first_day, last_day = waitlist_days(allowed, today)
    if first_day > last_day:
        return RuleBroken("window_passed", "The time to book this appointment has "
                          "passed. Call us instead on " + phone + ".")
    return first_day, last_day


def outside(allowed, slot, tz):
    """A RuleBroken when the slot falls outside the case's window
    (`allowed`; None: any day), else None."""
    if allowed is None:
        return None
    return outside_window(allowed, slot.start.astimezone(tz).date())


def slot_passed(slot, now):
    if slot.start <= now:
        return RuleBroken("slot_in_the_past", "That time has passed. Choose another.")
    return None


def not_step_free(office, needs_step_free):
    """A RuleBroken when someone who needs step-free access would be sent
    to an office without it."""
    if needs_step_free and not office.step_free:
        return RuleBroken("office_not_step_free", "This office does not have "
                          "step-free access. Choose a step-free office.")
    return None


def already_booked():
    return RuleBroken("case_already_booked", "Your case already has an appointment. "
                      "Change that one instead.")


def already_waiting():
    return RuleBroken("already_waiting", "Your case is already on the waiting "
                      "list. We will tell you when a place comes free.")


@dataclasses.dataclass(frozen=True)
class Booking:
    """A place held or booked in a slot, with the slot's office, type and
    times."""
    id: uuid.UUID
    reference: str
    status: str
    slot_id: int
    office_id: str
    type_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    hold_expires_at: dt.datetime | None = None
    case_id: uuid.UUID | None = None
    ring_fenced: bool = False
    step_free: bool = False
    interpreter: str | None = None
    sequence: int = 0
    waitlist_id: int | None = None
    booked_by: str = "resident"
    secret_sha256: bytes | None = None
    # personal data: the person's own, for their messages and the office
    name: str | None = None
    email: str | None = None
    phone: str | None = None

    @classmethod
    def from_row(cls, row):
        return None if row is None else cls(**_fields(cls, row))

    @property
    def is_over(self):
        """Cancelled, or a hold that lapsed: nothing more to do with it."""
        return self.status in (CANCELLED, EXPIRED)

    @property
    def is_confirmed(self):
        return self.status == CONFIRMED

    def is_live_hold(self, now):
        return self.status == HELD and self.hold_expires_at > now

    def hold_lapsed(self, now):
        """Still held, but past its time: it ends and gives its place back."""
        return self.status == HELD and self.hold_expires_at <= now

    def day(self, tz):
        """The local day of the appointment."""
        return self.starts_at.astimezone(tz).date()

    def confirm_refused(self, now, settings):
        """None while the hold is live; a RuleBroken once it has lapsed
        (a confirmed booking is the caller's to give back as it is)."""
        if self.is_live_hold(now):
            return None
        return RuleBroken("hold_expired", "We could only keep that time for you for "
                          f"{settings.hold_minutes} minutes. Choose a time again.")

    def change_refused(self, now, settings, phone, by_staff=False):
        """Whether it may be cancelled (or moved) now: None, or why not.
        Staff act for a person who phoned or came in, so the cut-off is
        theirs to waive; and letting go of a hold never needs it."""
        if self.status not in (CONFIRMED, HELD):
            return RuleBroken("booking_not_active", "This booking has been cancelled.")
        if by_staff or self.status == HELD:
            return None
        return too_late_to_change(self.starts_at, now, settings, phone)

    def move_refused(self, now, settings, phone, by_staff=False):
        """Whether it may move to another time now: only a confirmed booking
        moves, under the same cut-off as cancelling."""
        if self.status != CONFIRMED:
            return RuleBroken("booking_not_active", "Only a confirmed booking can be moved.")
        return self.change_refused(now, settings, phone, by_staff)

    def contact(self):
        """Where to tell the person about it, or None: the email they gave,
        else their mobile."""
        email, phone = self.email or None, self.phone or None
        if not email and not phone:
            return None
        return {"email": email, "phone": phone,
                "preferred": "email" if email else "sms",
                "safe_channel_only": False}
