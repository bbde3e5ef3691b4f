"""What the gateway accepts and returns for bins: identifiers, fields,
contact details and the JSON API schemas (the pages' forms, in
gateway/pages/bins/forms.py, build on them).

The bins service's RPC contract is in docs/bins.md. Dates travel to it as
ISO strings, so every date loaded here is handed on with `.isoformat()`.
"""
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from gateway.web.schemas import GatewaySchema, PlainText, Postcode, Timestamp
from services.kit import references
from services.bins.contract import EXCEPTION_KINDS, OUTCOMES, SERVICES
from services.council.contact import CHANNELS, normalise_mobile  # noqa: F401 (open311, notify)


UPRN_PATTERN = re.compile(r"^[0-9]{1,12}$")
_REFERENCE = re.compile(r"^[A-Z]{2}-[2-9A-HJKMNP-Z]{4}-[0-9]{2}$")


def valid_uprn(text):
    return bool(UPRN_PATTERN.match(text or ""))


def normalise_reference(text):
    """MB-7K3Q-92 in any case and spacing, or None when it cannot be one."""
    reference = references.normalise(text)
    return reference if reference and _REFERENCE.match(reference) else None


class Uprn(fields.String):
    default_error_messages = {
        "invalid": "Enter a UPRN: up to 12 digits",
        "required": "Enter a UPRN",
        "null": "Enter a UPRN",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip() if isinstance(value, (str, int)) else None
        if text is None or not valid_uprn(text):
            raise self.make_error("invalid")
        return text


class IsoDate(fields.Date):
    """A date as YYYY-MM-DD, in words a person can act on."""

    default_error_messages = {
        "invalid": "Enter a date like 2026-03-31",
        "required": "Enter a date",
        "null": "Enter a date",
    }


def _service_field(**kwargs):
    return fields.String(
        validate=validate.OneOf(SERVICES,
                                error="Choose one of: " + ", ".join(SERVICES)),
        metadata={"description": "refuse, recycling, garden or food",
                  "example": "refuse"}, **kwargs)


# --- contact details: how a resident asks to be told what happens ---

EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"
MOBILE_MESSAGE = "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982"
_EMAIL = validate.Email(error=EMAIL_MESSAGE)


def check_email(text):
    """The address with surrounding spaces removed, or ValidationError."""
    text = text.strip()
    if len(text) > 254:
        raise ValidationError(EMAIL_MESSAGE)
    return _EMAIL(text)


class Email(fields.String):
    """An optional email address: blank is none."""
    default_error_messages = {"invalid": EMAIL_MESSAGE}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return check_email(value) if value.strip() else None


class UkMobile(fields.String):
    """An optional UK mobile number, returned as +447700900982: blank is none."""
    default_error_messages = {"invalid": MOBILE_MESSAGE}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            return None
        normal = normalise_mobile(value)
        if normal is None:
            raise self.make_error("invalid")
        return normal


def _preferred_field(**kwargs):
    return fields.String(validate=validate.OneOf(
        CHANNELS, error="Choose email or sms (a text message)"), **kwargs)


# --- JSON API: residents ---

class AddressQuerySchema(GatewaySchema):
    postcode = Postcode(required=True, metadata={"example": "SW1A 1AA"})


class AddressSchema(GatewaySchema):
    uprn = fields.String(required=True, metadata={
        "description": "Unique Property Reference Number"})
    address = fields.String(required=True, metadata={"description": "On one line"})
    lines = fields.List(fields.String())


class AddressListSchema(GatewaySchema):
    postcode = fields.String(required=True)
    addresses = fields.List(fields.Nested(AddressSchema), required=True)


class VisitSchema(GatewaySchema):
    date = Timestamp(required=True, metadata={"description": "YYYY-MM-DD"})
    scheduled_for = Timestamp(allow_none=True, metadata={
        "description": "The usual day, when a bank holiday moved it"})
    moved = fields.Boolean()


class CrewExceptionViewSchema(GatewaySchema):
    kind = fields.String(required=True, metadata={
        "description": "bin_not_out, contaminated, no_access or excess_waste"})
    reason = fields.String(allow_none=True, metadata={"description": "In words"})


class LastVisitSchema(VisitSchema):
    status = fields.String(allow_none=True, metadata={
        "description": "completed, still_out, exception or scheduled"})
    exception = fields.Nested(CrewExceptionViewSchema, allow_none=True, metadata={
        "description": "What the crew recorded for this property, if anything"})


class ReportAllowedSchema(GatewaySchema):
    allowed = fields.Boolean(required=True)
    code = fields.String(allow_none=True, metadata={
        "description": "Why not, for programs (see docs/bins.md)"})
    reason = fields.String(allow_none=True, metadata={"description": "Why not, for people"})
    collection_date = Timestamp(allow_none=True)


class PropertyServiceSchema(GatewaySchema):
    service = fields.String(required=True)
    name = fields.String(required=True)
    round_id = fields.String(allow_none=True)
    frequency = fields.String(allow_none=True)
    assisted = fields.Boolean()
    last = fields.Nested(LastVisitSchema, allow_none=True)
    next = fields.List(fields.Nested(VisitSchema))
    report = fields.Nested(ReportAllowedSchema, allow_none=True)


class BinDaysSchema(GatewaySchema):
    uprn = fields.String(required=True)
    address = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    services = fields.List(fields.Nested(PropertyServiceSchema), required=True)
    calendar_url = fields.String(metadata={
        "description": "An iCalendar feed of these collections, to subscribe to"})


class CalendarQuerySchema(GatewaySchema):
    weeks = fields.Integer(
        load_default=52,
        validate=validate.Range(1, 104, error="Ask for between 1 and 104 weeks"),
        error_messages={"invalid": "Enter a whole number of weeks, like 26"})


class FileReportSchema(GatewaySchema):
    uprn = Uprn(required=True)
    service = _service_field(required=True, error_messages={
        "required": "Choose which bin was missed"})
    collection_date = IsoDate(load_default=None, allow_none=True, metadata={
        "description": "Default: the most recent collection"})
    email = Email(allow_none=True, metadata={
        "description": "Optional: to be told by email what happens",
        "example": "name@example.com"})
    phone = UkMobile(allow_none=True, metadata={
        "description": "Optional: a UK mobile number, to be told by text message "
                       "(spaces, +44 or 0 are all fine)",
        "example": "07700 900 982"})
    preferred = _preferred_field(allow_none=True, metadata={
        "description": "email or sms. Default: email when an email address is given, "
                       "else sms. The chosen one's address is required"})

    @validates_schema
    def preferred_needs_its_address(self, data, **kwargs):
        preferred = data.get("preferred")
        if preferred == "email" and not data.get("email"):
            raise ValidationError("Enter an email address to be told by email", "email")
        if preferred == "sms" and not data.get("phone"):
            raise ValidationError("Enter a UK mobile number to be told by text message",
                                  "phone")


class ReportStatusSchema(GatewaySchema):
    reference = fields.String(required=True, metadata={"example": "MB-7K3Q-92"})
    service = fields.String(required=True)
    collection_date = Timestamp(allow_none=True)
    status = fields.String(required=True, metadata={"description": "open or closed"})
    outcome = fields.String(allow_none=True, metadata={
        "description": "collected or not_collected, once resolved"})
    outcome_reason = fields.String(allow_none=True)
    due_by = Timestamp(allow_none=True, metadata={
        "description": "When the crew should have put it right"})
    filed_at = Timestamp(allow_none=True)
    resolved_at = Timestamp(allow_none=True)
    address = fields.String(allow_none=True)


class FiledReportSchema(GatewaySchema):
    created = fields.Boolean(required=True, metadata={
        "description": "false: an open report already existed and is returned"})
    report = fields.Nested(ReportStatusSchema, required=True)
    secret = fields.String(allow_none=True, metadata={
        "description": "Only when created: send it with the reference to see "
                       "the report (X-Resident-Secret header or ?secret=)"})
    status_url = fields.String()


# --- JSON API: crews ---

class CompleteRoundSchema(GatewaySchema):
    day = IsoDate(required=True)
    completed_at = fields.AwareDateTime(
        load_default=None, allow_none=True,
        error_messages={"invalid": "Enter a date and time with its offset, "
                                   "like 2026-03-31T14:05:00+01:00",
                        "naive": "Give the time with its offset, like +01:00"},
        metadata={"description": "Default: now"})


class RoundDaySchema(GatewaySchema):
    round_id = fields.String(required=True)
    day = Timestamp(required=True)
    completed_at = Timestamp(allow_none=True)
    crew_id = fields.String(allow_none=True)
    service = fields.String(allow_none=True)
    newly_completed = fields.Boolean(metadata={
        "description": "false when the round was already marked complete"})


class RecordExceptionSchema(GatewaySchema):
    uprn = Uprn(required=True)
    day = IsoDate(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(
        EXCEPTION_KINDS, error="Choose one of: " + ", ".join(EXCEPTION_KINDS)))
    note = PlainText(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="The note must be 500 characters or fewer"))


class CrewExceptionSchema(GatewaySchema):
    round_id = fields.String(required=True)
    uprn = fields.String(required=True)
    day = Timestamp(required=True)
    kind = fields.String(required=True)
    note = fields.String(allow_none=True)
    crew_id = fields.String(allow_none=True)
    recorded_at = Timestamp(allow_none=True)
    reason = fields.String(allow_none=True, metadata={
        "description": "What a resident is told if they report this collection"})


class CrewReportsQuerySchema(GatewaySchema):
    day = IsoDate(load_default=None, allow_none=True, metadata={
        "description": "Only reports for this collection day"})


class CrewReportSchema(GatewaySchema):
    id = fields.String(required=True, metadata={"description": "For resolving the report"})
    reference = fields.String(required=True)
    service = fields.String(required=True)
    uprn = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    assisted = fields.Boolean(allow_none=True)
    round_id = fields.String(allow_none=True)
    collection_date = Timestamp(allow_none=True)
    filed_at = Timestamp(allow_none=True)
    due_by = Timestamp(allow_none=True)
    overdue = fields.Boolean(allow_none=True)


class CrewReportListSchema(GatewaySchema):
    items = fields.List(fields.Nested(CrewReportSchema), required=True)
    count = fields.Integer(required=True)


class ResolveReportSchema(GatewaySchema):
    outcome = fields.String(required=True, validate=validate.OneOf(
        OUTCOMES, error="Choose collected or not_collected"))
    reason = PlainText(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="The reason must be 500 characters or fewer"))

    @validates_schema
    def reason_when_not_collected(self, data, **kwargs):
        if data.get("outcome") == "not_collected" and not data.get("reason"):
            raise ValidationError("Say why the bin was not collected", "reason")


class CrewResolvedSchema(ReportStatusSchema):
    id = fields.String(allow_none=True)
