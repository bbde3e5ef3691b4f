"""What the rest of Townhall may know of bookings: the events it publishes,
the codes they and its replies use, and the shape of the replies other
services consume. Importing it loads no nameko, broker or database library.

The vocabularies are defined in the pure domain (services.bookings.domain)
and published from here. No event carries a name, an email address, a phone
number or a need: ids, codes and times only. `case_id` is housing's case id,
when the booking was made for a triaged case.
"""
from marshmallow import Schema, fields, validate

from services.bookings.domain.availability import MAX_DAYS as MAX_SEARCH_DAYS
from services.bookings.domain.model import BOOKING_STATUSES, REFERENCE_PREFIX
from services.bookings.domain.window import normalise_language
from services.housing.contract import URGENCIES as CASE_URGENCIES
from services.kit.envelope import EventCatalogue, EventContract
from services.kit.schemas import OwnerFacts, Reply

__all__ = ["BOOKING_STATUSES", "Booking", "CATALOGUE", "MAX_SEARCH_DAYS", "NotificationFacts",
           "REFERENCE_PREFIX", "REPLIES", "Setup", "TYPE_URGENCIES", "normalise_language"]

# The case urgencies an appointment type may be kept for: an advice case
# books what anyone may.
TYPE_URGENCIES: tuple[str, ...] = tuple(u for u in CASE_URGENCIES if u != "advice")


# -- events ------------------------------------------------------------------------------

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


CATALOGUE: EventCatalogue = EventCatalogue(
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


# -- RPC replies other services consume -------------------------------------------------

class NotificationFacts(OwnerFacts):
    """`bookings.notification_facts(booking_id, with_calendar=False)`: what a
    message about a booking (or a place held for someone on the waiting list)
    needs. Its `links`, managing the booking (`booking_management`) and
    taking a place held from the waiting list (`waitlist_offer`), hold the
    booking's secret; `calendar_ics` comes only when asked for."""

    status = fields.String(required=True, validate=validate.OneOf(BOOKING_STATUSES))
    type_name = fields.String(required=True)
    office_name = fields.String(required=True)
    office_address = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    calendar_ics = fields.String()


class Booking(Reply):
    """A booking as the person sees it: the reply of `bookings.get_booking`,
    `confirm`, `cancel` and `reschedule`. `start` and `end` in UTC,
    `local_start` in the council's time zone. `get_booking` adds `live_hold`:
    whether it is a hold that can still be confirmed."""
    reference = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(BOOKING_STATUSES))
    office_id = fields.String(required=True)
    type_id = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    local_start = fields.AwareDateTime(required=True)
    hold_expires_at = fields.AwareDateTime(required=True, allow_none=True)
    step_free = fields.Boolean(required=True)
    interpreter = fields.String(required=True, allow_none=True)
    case_id = fields.UUID(required=True, allow_none=True)
    sequence = fields.Integer(required=True)
    live_hold = fields.Boolean()


class Setup(Reply):
    """`bookings.setup()`: offices, appointment types and advisers as stored,
    and `case_types`, the appointment type (by id) a triaged housing case of
    each urgency books; an urgency with none cannot book."""
    offices = fields.List(fields.Dict(), required=True)
    types = fields.List(fields.Dict(), required=True)
    advisers = fields.List(fields.Dict(), required=True)
    case_types = fields.Dict(keys=fields.String(validate=validate.OneOf(TYPE_URGENCIES)),
                             values=fields.String(), required=True)


# The schema of each RPC's reply, by RPC name.
REPLIES: dict[str, type[Schema]] = {
    "notification_facts": NotificationFacts, "get_booking": Booking, "confirm": Booking,
    "cancel": Booking, "reschedule": Booking, "setup": Setup}
