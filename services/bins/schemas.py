"""What each bins RPC accepts. Bad input raises marshmallow's
ValidationError with a dict of field -> plain-English messages (the gateway
shows them next to the field), before anything reaches the database."""
import datetime as dt
import re

from marshmallow import (RAISE, Schema, ValidationError, fields, post_load, pre_load,
                         validate, validates_schema)

from services.bins.contract import REPORT_CHANNELS, SERVICES
from services.bins.domain import contact, postcodes
from services.kit import references
from services.kit.schemas import instance
from services.bins.domain.model import ExceptionKind, Outcome

MAX_WEEKS = 104


def _required(what):
    return {"required": f"Enter {what}.", "null": f"Enter {what}."}


class Uprn(fields.String):
    """A UPRN: up to 12 digits, stored and shown with leading zeros."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not re.fullmatch(r"\d{1,12}", text):
            raise ValidationError("A property reference (UPRN) is up to 12 digits.")
        return text.zfill(12)


class Postcode(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        normal = postcodes.normalise(text)
        if normal is None:
            raise ValidationError("Enter a full UK postcode, like SW1A 1AA.")
        return normal


class Reference(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = references.normalise(super()._deserialize(value, attr, data, **kwargs))
        if text is None or not references.is_valid(text):
            raise ValidationError("Enter the reference you were given, like MB-7K3Q-92.")
        return text


EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com."
MOBILE_MESSAGE = "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982."
NEEDS_DETAIL = {
    "email": "Enter an email address to be told by email, or choose text message.",
    "phone": "Enter a UK mobile number to be told by text message, or choose email.",
}


class Email(fields.String):
    """An email address; left blank, none."""
    _check = validate.Email(error=EMAIL_MESSAGE)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            return None
        if len(text) > 254:
            raise ValidationError(EMAIL_MESSAGE)
        return self._check(text)


class UkMobile(fields.String):
    """A UK mobile number as typed (spaces, +44 or 0), kept as +447700900982;
    left blank, none."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return None
        normal = contact.normalise_mobile(text)
        if normal is None:
            raise ValidationError(MOBILE_MESSAGE)
        return normal


class CrewId(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        # the staff token's subject, so allow what identity providers use
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.@:|-]{0,127}", text):
            raise ValidationError("A crew id is like crew-7.")
        return text


class RoundId(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}", text):
            raise ValidationError("A round id is like REF-0001.")
        return text


# Dates outside these years are typing mistakes, and would overflow the
# date arithmetic of schedules and windows.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def _in_range(what):
    return validate.Range(min=EARLIEST, max=LATEST,
                          error=f"Enter {what} between 2000 and 2099.")


def _date(what, **kwargs):
    return fields.Date(validate=_in_range(what), error_messages={
        "invalid": f"Enter {what} as a date like 2026-03-02.", **_required(what)}, **kwargs)


def _moment_in_range(what):
    def check(value):
        if not EARLIEST <= value.date() <= LATEST:
            raise ValidationError(f"Enter {what} between 2000 and 2099.")
    return check


def _service(**kwargs):
    return fields.String(validate=validate.OneOf(
        SERVICES, error="Choose one of: " + ", ".join(SERVICES) + "."),
        error_messages=_required("the kind of collection"), **kwargs)


class _Base(Schema):
    class Meta:
        unknown = RAISE


class FindAddresses(_Base):
    postcode = Postcode(required=True, error_messages=_required("a postcode"))


class BinDays(_Base):
    uprn = Uprn(required=True, error_messages=_required("a property reference (UPRN)"))
    today = _date("today's date", load_default=None, allow_none=True)


class CalendarFeed(_Base):
    uprn = Uprn(required=True, error_messages=_required("a property reference (UPRN)"))
    weeks = fields.Integer(load_default=52, validate=validate.Range(
        1, MAX_WEEKS, error=f"Choose between 1 and {MAX_WEEKS} weeks."),
        error_messages={"invalid": "The number of weeks must be a whole number."})


class FileReport(_Base):
    uprn = Uprn(required=True, error_messages=_required("a property reference (UPRN)"))
    service = _service(required=True)
    collection_date = _date("the collection date", load_default=None, allow_none=True)
    idempotency_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        1, 255, error="An idempotency key is 1 to 255 characters."))
    channel = fields.String(load_default="api", validate=validate.OneOf(
        REPORT_CHANNELS,
        error="The channel must be one of: " + ", ".join(REPORT_CHANNELS) + "."))
    # How the resident would like to be told what happens: all optional.
    email = Email(load_default=None, allow_none=True, error_messages={
        "invalid": EMAIL_MESSAGE})
    phone = UkMobile(load_default=None, allow_none=True, error_messages={
        "invalid": MOBILE_MESSAGE})
    preferred = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        contact.CHANNELS, error="Choose email or sms (a text message)."))

    @validates_schema
    def preferred_needs_its_detail(self, data, **kwargs):
        missing = contact.missing_for(data.get("preferred"), data.get("email"),
                                      data.get("phone"))
        if missing:
            raise ValidationError(NEEDS_DETAIL[missing], missing)

    @post_load
    def default_preferred(self, data, **kwargs):
        data["preferred"] = contact.preferred_channel(data["email"], data["phone"],
                                                      data["preferred"])
        return data


class ReportStatus(_Base):
    reference = Reference(required=True, error_messages=_required("your reference"))
    secret = fields.String(required=True, validate=validate.Length(
        1, 200, error="Enter the code you were given with your reference."),
        error_messages=_required("the code you were given with your reference"))


class _Crew(_Base):
    crew_id = CrewId(required=True, error_messages=_required("the crew id"))
    supervisor = fields.Boolean(load_default=False)


class CompleteRound(_Crew):
    round_id = RoundId(required=True, error_messages=_required("the round"))
    day = _date("the day", required=True)
    completed_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                        validate=_moment_in_range("the time"), error_messages={
        "invalid": "Enter the time as a date and time with an offset, "
                   "like 2026-03-02T11:30:00+00:00.",
        "naive": "Give the time with its offset, like 2026-03-02T11:30:00+00:00."})


class RecordException(_Crew):
    round_id = RoundId(required=True, error_messages=_required("the round"))
    uprn = Uprn(required=True, error_messages=_required("a property reference (UPRN)"))
    day = _date("the day", required=True)
    kind = fields.String(required=True, validate=validate.OneOf(
        [k.value for k in ExceptionKind],
        error="Choose one of: " + ", ".join(k.value for k in ExceptionKind) + "."),
        error_messages=_required("what happened"))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="Keep the note under 500 characters."))


class ListOpenReports(_Crew):
    day = _date("the day", load_default=None, allow_none=True)


class ResolveReport(_Crew):
    report_id = fields.UUID(required=True, error_messages={
        "invalid_uuid": "That is not a report id.", **_required("the report id")})
    outcome = fields.String(required=True, validate=validate.OneOf(
        [o.value for o in Outcome], error="Choose collected or not_collected."),
        error_messages=_required("the outcome"))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="Keep the reason under 500 characters."))

    @validates_schema
    def reason_when_not_collected(self, data, **kwargs):
        if data.get("outcome") == Outcome.NOT_COLLECTED.value and not (data.get("reason")
                                                                        or "").strip():
            raise ValidationError("Say why the bin could not be collected.", "reason")


class NotificationFacts(_Base):
    report_id = fields.UUID(required=True, error_messages={
        **_required("the report id"), "invalid_uuid": "A report id looks like "
        "4a7d1ed4-1b2c-4e5f-8a9b-0c1d2e3f4a5b."})


class PublicReport(_Base):
    report_id = fields.String(required=True, error_messages=_required("the request id"))


def _split(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


class Open311Requests(_Base):
    service_request_id = fields.List(Reference(), load_default=None, allow_none=True)
    service_code = fields.List(fields.String(), load_default=None, allow_none=True)
    start_date = fields.AwareDateTime(load_default=None, allow_none=True,
                                      validate=_moment_in_range("start_date"), error_messages={
        "invalid": "start_date must be a date and time like 2026-03-02T00:00:00Z.",
        "naive": "start_date needs a time zone, like 2026-03-02T00:00:00Z."})
    end_date = fields.AwareDateTime(load_default=None, allow_none=True,
                                    validate=_moment_in_range("end_date"), error_messages={
        "invalid": "end_date must be a date and time like 2026-03-02T00:00:00Z.",
        "naive": "end_date needs a time zone, like 2026-03-02T00:00:00Z."})
    status = fields.String(load_default=None, allow_none=True)

    @pre_load
    def split_lists(self, data, **kwargs):
        data = dict(data or {})
        for name in ("service_request_id", "service_code"):
            if name in data:
                data[name] = _split(data[name])
        return data

    @validates_schema
    def check(self, data, **kwargs):
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and start > end:
            raise ValidationError("start_date must be before end_date.", "start_date")
        status = _split(data.get("status")) or []
        if any(s not in ("open", "closed") for s in status):
            raise ValidationError("status must be open or closed.", "status")


def load(schema, **data):
    """The cleaned arguments, or ValidationError naming each bad field."""
    return instance(schema).load(data)
