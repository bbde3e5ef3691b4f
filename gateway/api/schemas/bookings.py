"""What the gateway accepts and returns for office appointments: identifiers,
fields and the JSON API schemas (the pages' forms, choices, words and
cookies are in gateway/pages/bookings/).

The bookings service's RPC contract (docs/bookings.md): search, hold,
confirm, get_booking, cancel, reschedule, calendar and join_waitlist for the
person (and for staff on their behalf, with `staff_id`); office_day, setup,
save_office, save_appointment_type and save_adviser for staff. Times travel
as ISO 8601 with an offset (UTC); each slot also carries `local_start`, the
same instant in the council's time zone, which is what the pages show.

A housing appointment needs a triaged case: the gateway checks the case's
reference and code with the housing service first, and only then passes the
reference to bookings, which trusts the gateway for it.
"""
import datetime as dt
import re

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from services.bookings.contract import MAX_SEARCH_DAYS, REFERENCE_PREFIX, TYPE_URGENCIES
from services.bookings.contract import normalise_language as contract_language
from services.kit import references

from gateway.api.schemas.bins import IsoDate
from gateway.api.schemas.housing import normalise_reference as housing_reference
from gateway.web.schemas import GatewaySchema, PlainText, Timestamp
from gateway.web.words import local_today as today

DEFAULT_SEARCH_DAYS = 28
# the pages: "first available" looks this far ahead and shows this many days
FIRST_AVAILABLE_DAYS = 42
FIRST_AVAILABLE_SHOWN = 3
MAX_PAGE_RANGE_DAYS = 28

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
PHONE_PATTERN = re.compile(r"^\+?[\d ()-]{10,20}$")
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def valid_id(text):
    return isinstance(text, str) and bool(_ID.match(text))


def normalise_reference(text):
    """BK-7K3Q-92 in any case and spacing, or None when it cannot be a
    booking reference (its check digits included)."""
    reference = references.normalise(text)
    if not reference or not reference.startswith(REFERENCE_PREFIX + "-"):
        return None
    return reference if references.is_valid(reference) else None


def normalise_language(text):
    """"  brazilian   portuguese" -> "Brazilian Portuguese", or None when it
    cannot be the name of a language (the bookings service's rule)."""
    try:
        return contract_language(text)
    except ValueError:
        return None


def parse_day(text):
    """YYYY-MM-DD -> a date, or None."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


# --- fields ---

def _id_field(what, **kwargs):
    return fields.String(validate=validate.Regexp(
        _ID, error=f"Enter {what} as the service lists it, like town-hall"),
        error_messages={"required": f"Enter {what}", "null": f"Enter {what}",
                        "invalid": f"Enter {what}"}, **kwargs)


class SlotStart(fields.String):
    """A slot's start as the search gave it: a date and time with its offset."""

    default_error_messages = {
        "invalid": "Enter the time as the search gave it, like 2026-12-01T09:00:00+00:00",
        "required": "Enter the appointment time",
        "null": "Enter the appointment time",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid")
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise self.make_error("invalid")
        if moment.utcoffset() is None:
            raise self.make_error("invalid")
        return moment.astimezone(dt.timezone.utc).isoformat()


class Language(fields.String):
    default_error_messages = {"invalid": "Enter the language, like Polish"}

    def _deserialize(self, value, attr, data, **kwargs):
        language = normalise_language(value)
        if language is None:
            raise self.make_error("invalid")
        return language


class Phone(fields.String):
    default_error_messages = {
        "invalid": "Enter a telephone number, like 01632 960 001 or 07700 900 982"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        phone = value.strip()
        if not phone:
            return None
        if not PHONE_PATTERN.match(phone):
            raise self.make_error("invalid")
        return phone


EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"
CONTACT_MESSAGE = ("Enter an email address or a phone number, so we can reach you about "
                   "your appointment")


def name_field(**kwargs):
    return PlainText(required=True, missing_message="Enter your name", validate=validate.Length(
        max=200, error="Your name must be 200 characters or fewer"), **kwargs)


# --- JSON API: residents ---

class SlotQuerySchema(GatewaySchema):
    type_id = _id_field("the appointment type", required=True, metadata={
        "example": "council-tax"})
    first_day = IsoDate(load_default=None, metadata={"description": "Default: today"})
    last_day = IsoDate(load_default=None, metadata={
        "description": f"Default: {DEFAULT_SEARCH_DAYS - 1} days after first_day; at most "
                       f"{MAX_SEARCH_DAYS} days after it"})
    office_id = _id_field("the office", load_default=None, metadata={
        "description": "Default: every office that offers the type"})
    step_free = fields.Boolean(load_default=False, error_messages={
        "invalid": "Send true or false"}, metadata={
        "description": "true: only offices with step-free access"})

    @post_load
    def _days(self, data, **kwargs):
        first, last = search_range(data.get("first_day"), data.get("last_day"))
        return {**data, "first_day": first, "last_day": last}


def search_range(first, last, now=None):
    """(first day, last day) with the defaults, or ValidationError."""
    first = first or today(now)
    last = last or first + dt.timedelta(days=DEFAULT_SEARCH_DAYS - 1)
    if last < first:
        raise ValidationError({"last_day": ["The last day must be on or after the first day"]})
    if (last - first).days > MAX_SEARCH_DAYS:
        raise ValidationError({"last_day": [f"Search up to {MAX_SEARCH_DAYS} days at a time"]})
    return first, last


def _check_case_reference(value):
    if housing_reference(value) is None:
        raise ValidationError("Enter the case reference as it is shown, like HL-7K3Q-92")


class StaffSlotQuerySchema(SlotQuerySchema):
    case_reference = fields.String(load_default=None, validate=_check_case_reference, metadata={
        "description": "A triaged housing case's reference (staff need no code)"})


class SlotSchema(GatewaySchema):
    office_id = fields.String(required=True)
    type_id = fields.String(required=True)
    start = Timestamp(required=True, metadata={"description": "UTC; send it back to hold"})
    end = Timestamp(required=True)
    local_start = Timestamp(required=True, metadata={
        "description": "The same instant in the council's time zone"})
    capacity = fields.Integer(required=True)
    remaining = fields.Integer(required=True, metadata={"description": "Places still free"})


class SlotListSchema(GatewaySchema):
    slots = fields.List(fields.Nested(SlotSchema), required=True)


class HoldBodySchema(GatewaySchema):
    office_id = _id_field("the office", required=True)
    type_id = _id_field("the appointment type", required=True)
    start = SlotStart(required=True, metadata={
        "description": "A slot's start, as the search gave it"})
    step_free = fields.Boolean(load_default=False, error_messages={
        "invalid": "Send true or false"})


class StaffHoldBodySchema(HoldBodySchema):
    case_reference = fields.String(load_default=None, allow_none=True,
                                   validate=_check_case_reference, metadata={
        "description": "A triaged housing case's reference, for a housing appointment"})


class BookingSchema(GatewaySchema):
    reference = fields.String(required=True, metadata={"example": "BK-7K3Q-92"})
    status = fields.String(required=True, metadata={
        "description": "held, confirmed, cancelled or expired"})
    office_id = fields.String(required=True)
    type_id = fields.String(required=True)
    start = Timestamp(required=True)
    end = Timestamp(required=True)
    local_start = Timestamp(required=True)
    hold_expires_at = Timestamp(allow_none=True, metadata={
        "description": "Until when a held place is kept for confirming"})
    step_free = fields.Boolean(allow_none=True)
    interpreter = fields.String(allow_none=True, metadata={
        "description": "The language an interpreter is needed for"})
    case_id = fields.String(allow_none=True)
    sequence = fields.Integer(allow_none=True, metadata={
        "description": "The calendar file's SEQUENCE: one more at each change"})


class HeldBookingSchema(BookingSchema):
    secret = fields.String(required=True, metadata={
        "description": "Send it as X-Resident-Secret to confirm, see, change or cancel "
                       "the booking; keep it", "example": "7K3Q-M2XA-9PRT"})
    status_url = fields.String(required=True)


class ConfirmBodySchema(GatewaySchema):
    name = name_field()
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(
        max=254, error=EMAIL_MESSAGE), error_messages={"invalid": EMAIL_MESSAGE})
    phone = Phone(load_default=None, allow_none=True)
    step_free = fields.Boolean(load_default=False, error_messages={
        "invalid": "Send true or false"})
    interpreter = Language(load_default=None, allow_none=True, metadata={
        "description": "The language, when an interpreter is needed; else null"})

    @validates_schema(skip_on_field_errors=True)
    def _contact(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError(CONTACT_MESSAGE, "email")


class RescheduleBodySchema(GatewaySchema):
    office_id = _id_field("the office", required=True)
    start = SlotStart(required=True)


class WaitlistBodySchema(GatewaySchema):
    type_id = _id_field("the appointment type", required=True)
    office_id = _id_field("the office", load_default=None, allow_none=True)
    step_free = fields.Boolean(load_default=False, error_messages={
        "invalid": "Send true or false"})


class WaitlistSchema(GatewaySchema):
    waitlist_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={
        "description": "waiting, offered, booked, lapsed or left"})
    first_day = Timestamp(required=True, metadata={
        "description": "We offer a place that comes free from this day..."})
    last_day = Timestamp(required=True, metadata={"description": "...up to this one"})
    code = fields.String(allow_none=True, metadata={
        "description": "Only when joining: send it as X-Resident-Secret to see an offer"})


class WaitlistOfferSchema(BookingSchema):
    secret = fields.String(required=True, metadata={
        "description": "The held booking's secret: confirm it as any hold"})


class WaitlistStatusSchema(WaitlistSchema):
    offer = fields.Nested(WaitlistOfferSchema, allow_none=True, metadata={
        "description": "A place held for the person, until its hold_expires_at; else null"})


class OptionOfficeSchema(GatewaySchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    step_free = fields.Boolean(required=True)


class OptionTypeSchema(GatewaySchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    needs_case = fields.Boolean(required=True, metadata={
        "description": "true: only for a triaged housing case (send its reference and "
                       "code)"})
    office_ids = fields.List(fields.String(), required=True)


class OptionsSchema(GatewaySchema):
    offices = fields.List(fields.Nested(OptionOfficeSchema), required=True)
    types = fields.List(fields.Nested(OptionTypeSchema), required=True)


# --- JSON API: staff ---

class OfficeDayBookingSchema(BookingSchema):
    name = fields.String(allow_none=True)


class OfficeDaySchema(GatewaySchema):
    office_id = fields.String(required=True)
    day = Timestamp(required=True)
    bookings = fields.List(fields.Nested(OfficeDayBookingSchema), required=True)


class Span(fields.List):
    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.Regexp(
            _TIME_OF_DAY, error="Times look like 09:00")), validate=validate.Length(
            equal=2, error="Give each span as [start, end], like [\"09:00\", \"12:30\"]"),
            **kwargs)


class Week(fields.Dict):
    """{weekday ("0" Monday .. "6" Sunday): [[start, end], ...]}, local times;
    spans in order of time, none overlapping."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(
            [str(d) for d in range(7)], error="Weekdays are 0 (Monday) to 6 (Sunday)")),
            values=fields.List(Span()), required=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        week = super()._deserialize(value, attr, data, **kwargs)
        for day, spans in week.items():
            ordered = sorted(spans)
            for start, end in ordered:
                if end <= start:
                    raise ValidationError(f"On weekday {day}, {end} must be after {start}")
            for (_, end), (start, _) in zip(ordered, ordered[1:]):
                if start < end:
                    raise ValidationError(f"On weekday {day}, the times overlap")
        return week


class OfficeBodySchema(GatewaySchema):
    id = fields.String(load_default=None)
    name = PlainText(required=True, missing_message="Enter the office's name",
                     validate=validate.Length(max=200))
    address = PlainText(required=True, missing_message="Enter the office's address",
                        validate=validate.Length(max=500))
    step_free = fields.Boolean(required=True, error_messages={
        "required": "Say whether the office has step-free access"})
    hours = Week(metadata={"description": "Opening hours by weekday, local times"})
    closures = fields.List(IsoDate(), load_default=list, metadata={
        "description": "Days the office is closed (bank holidays are already left out)"})


class TypeBodySchema(GatewaySchema):
    id = fields.String(load_default=None)
    name = PlainText(required=True, missing_message="Enter the type's name",
                     validate=validate.Length(max=200))
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        5, 480, error="An appointment lasts 5 to 480 minutes"))
    buffer_minutes = fields.Integer(load_default=0, strict=True, validate=validate.Range(
        0, 120, error="The time after each appointment is 0 to 120 minutes"))
    advisers_at_once = fields.Integer(required=True, strict=True, validate=validate.Range(
        1, 100, error="Enter 1 to 100"))
    needs_case = fields.Boolean(load_default=False)
    urgencies = fields.List(fields.String(validate=validate.OneOf(
        TYPE_URGENCIES, error="Urgencies are emergency, high and standard")), load_default=list)
    office_ids = fields.List(_id_field("an office"), required=True, validate=validate.Length(
        min=1, error="Name at least one office"))


class AdviserBodySchema(GatewaySchema):
    id = fields.String(load_default=None)
    office_id = _id_field("the office", required=True)
    type_ids = fields.List(_id_field("an appointment type"), required=True,
                           validate=validate.Length(min=1, error="Name at least one type"))
    pattern = Week(metadata={"description": "Working hours by weekday, local times"})


def with_path_id(data, path_id):
    """(a setup body with its id from the address, or None when the body
    names another id)."""
    given = data.get("id")
    if given is not None and given != path_id:
        return None
    return {**data, "id": path_id}


class OfficeSchema(OptionOfficeSchema):
    hours = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    closures = fields.List(Timestamp(), allow_none=True)


class TypeSchema(OptionTypeSchema):
    buffer_minutes = fields.Integer(required=True)
    advisers_at_once = fields.Integer(required=True)
    urgencies = fields.List(fields.String(), allow_none=True)


class AdviserSchema(GatewaySchema):
    id = fields.String(required=True)
    office_id = fields.String(required=True)
    type_ids = fields.List(fields.String(), required=True)
    pattern = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class SetupSchema(GatewaySchema):
    offices = fields.List(fields.Nested(OfficeSchema), required=True)
    types = fields.List(fields.Nested(TypeSchema), required=True)
    advisers = fields.List(fields.Nested(AdviserSchema), required=True)


def public_options(setup):
    """What anyone may see of the setup: offices and appointment types,
    without the advisers or their hours."""
    return {
        "offices": [{k: o[k] for k in ("id", "name", "address", "step_free")}
                    for o in setup.get("offices") or ()],
        "types": [{"id": t["id"], "name": t["name"], "duration_minutes": t["duration_minutes"],
                   "needs_case": bool(t.get("needs_case")),
                   "office_ids": list(t.get("office_ids") or ())}
                  for t in setup.get("types") or ()]}
