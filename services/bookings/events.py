"""Events the bookings service publishes: its public contract.

Other services may import this module to validate what they receive. No
event carries a name, an email address, a phone number or a need: ids,
codes and times only. `case_id` is housing's case id, when the booking was
made for a triaged case.
"""
from marshmallow import Schema, fields

from services.kit.envelope import EventCatalogue, EventContract


class _Booking(Schema):
    booking_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    type_id = fields.String(required=True)
    office_id = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    case_id = fields.UUID(allow_none=True, load_default=None)


class SlotBookedSchema(_Booking):
    booked_by = fields.String(required=True)


class BookingCancelledSchema(_Booking):
    cancelled_by = fields.String(required=True)


class BookingRescheduledSchema(_Booking):
    previous_starts_at = fields.AwareDateTime(required=True)
    previous_office_id = fields.String(required=True)
    sequence = fields.Integer(required=True)


class BookingReminderDueSchema(_Booking):
    pass


class WaitlistOfferMadeSchema(Schema):
    waitlist_id = fields.Integer(required=True)
    hold_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    type_id = fields.String(required=True)
    office_id = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    case_id = fields.UUID(allow_none=True, load_default=None)


CATALOGUE = EventCatalogue(
    "bookings",
    EventContract("SlotBooked", SlotBookedSchema, description=(
        "A hold was confirmed: the appointment is booked. No contact details.")),
    EventContract("BookingCancelled", BookingCancelledSchema, description=(
        "A booking was cancelled by the person (with their secret) or by staff.")),
    EventContract("BookingRescheduled", BookingRescheduledSchema, description=(
        "A booking moved to another slot: the new place was secured before the "
        "old one was released. `sequence` is the calendar file's new SEQUENCE.")),
    EventContract("BookingReminderDue", BookingReminderDueSchema, description=(
        "An appointment starts within the reminder period (24 hours by default); "
        "sent once per booking, not for one booked inside that period.")),
    EventContract("WaitlistOfferMade", WaitlistOfferMadeSchema, description=(
        "A freed place is held for the first eligible person on the waiting list "
        "until `expires_at`; if it lapses, the next person is offered it.")),
)
