"""What each bookings RPC accepts. Bad input raises marshmallow's
ValidationError with a dict of field -> plain-English messages, before
anything reaches the database."""
import datetime as dt
import re

from marshmallow import (Schema, ValidationError, fields, validate, validates,
                         validates_schema)

from services.bookings.contract import MAX_SEARCH_DAYS, TYPE_URGENCIES
from services.kit.schemas import instance

ID = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}$",
                     error="Use lower-case letters, digits, - and _ (up to 40).")


def _required(what):
    return {"required": f"Enter {what}.", "null": f"Enter {what}."}


class AwareStart(fields.AwareDateTime):
    """A slot's start: a date and time with its offset, as the search gave it."""

    def __init__(self, **kwargs):
        super().__init__(required=True, error_messages={
            **_required("the appointment time"),
            "invalid": "Enter the appointment time as the search gave it.",
            "invalid_awareness": "Enter the appointment time with its offset."}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).astimezone(dt.timezone.utc)


class Search(Schema):
    type_id = fields.String(required=True, validate=ID,
                            error_messages=_required("the appointment type"))
    first_day = fields.Date(required=True, error_messages=_required("the first day"))
    last_day = fields.Date(required=True, error_messages=_required("the last day"))
    office_id = fields.String(allow_none=True, load_default=None, validate=ID)
    step_free = fields.Boolean(load_default=False)
    case_reference = fields.String(allow_none=True, load_default=None,
                                   validate=validate.Length(max=20))

    @validates_schema
    def _range(self, data, **kwargs):
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                raise ValidationError("The last day must be on or after the first day.",
                                      "last_day")
            if (last - first).days > MAX_SEARCH_DAYS:
                raise ValidationError(f"Search up to {MAX_SEARCH_DAYS} days at a time.",
                                      "last_day")


class Hold(Schema):
    office_id = fields.String(required=True, validate=ID,
                              error_messages=_required("the office"))
    type_id = fields.String(required=True, validate=ID,
                            error_messages=_required("the appointment type"))
    start = AwareStart()
    case_reference = fields.String(allow_none=True, load_default=None,
                                   validate=validate.Length(max=20))
    step_free = fields.Boolean(load_default=False)
    booked_by = fields.String(load_default="resident", validate=validate.Length(max=200))
    idempotency_key = fields.String(allow_none=True, load_default=None,
                                    validate=validate.Length(max=300))


class Mine(Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=20),
                              error_messages=_required("your booking reference"))
    secret = fields.String(allow_none=True, load_default=None,
                           validate=validate.Length(max=40))
    staff_id = fields.String(allow_none=True, load_default=None,
                             validate=validate.Length(max=200))

    @validates_schema
    def _who(self, data, **kwargs):
        if not data.get("secret") and not data.get("staff_id"):
            raise ValidationError("Enter the code you were given.", "secret")


class Confirm(Mine):
    name = fields.String(required=True, error_messages=_required("your name"),
                         validate=validate.Length(min=1, max=200,
                                                  error="Enter your name."))
    email = fields.Email(allow_none=True, load_default=None, error_messages={
        "invalid": "Enter an email address in the correct format, like name@example.com"})
    phone = fields.String(allow_none=True, load_default=None)
    step_free = fields.Boolean(load_default=False)
    interpreter = fields.String(allow_none=True, load_default=None)

    @validates("phone")
    def _phone(self, value, **kwargs):
        if value is not None and not re.fullmatch(r"\+?[\d ()-]{10,20}", value):
            raise ValidationError("Enter a telephone number, like 01632 960 001 or "
                                  "07700 900 982.")

    @validates("interpreter")
    def _language(self, value, **kwargs):
        if value is not None and not re.fullmatch(r"[A-Za-z][A-Za-z -]{1,39}", value.strip()):
            raise ValidationError("Enter the language, like Polish.")

    @validates_schema
    def _contact(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError("Enter an email address or a phone number, so we can "
                                  "reach you about your appointment.", "email")


class Reschedule(Mine):
    office_id = fields.String(required=True, validate=ID,
                              error_messages=_required("the office"))
    start = AwareStart()


class JoinWaitlist(Schema):
    type_id = fields.String(required=True, validate=ID,
                            error_messages=_required("the appointment type"))
    case_reference = fields.String(allow_none=True, load_default=None,
                                   validate=validate.Length(max=20))
    office_id = fields.String(allow_none=True, load_default=None, validate=ID)
    step_free = fields.Boolean(load_default=False)


class WaitlistOffer(Schema):
    waitlist_id = fields.Integer(required=True, validate=validate.Range(min=1),
                                 error_messages=_required("your waiting list number"))
    code = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         error_messages=_required("the code you were given"))


class NotificationFacts(Schema):
    booking_id = fields.UUID(required=True, error_messages={
        **_required("the booking id"), "invalid_uuid": "A booking id looks like "
        "4a7d1ed4-1b2c-4e5f-8a9b-0c1d2e3f4a5b."})
    with_calendar = fields.Boolean(load_default=False)


class OfficeDay(Schema):
    office_id = fields.String(required=True, validate=ID)
    day = fields.Date(required=True, error_messages=_required("the day"))


class Span(fields.List):
    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.Regexp(
            r"^([01]\d|2[0-3]):[0-5]\d$", error="Times look like 09:00.")),
            validate=validate.Length(equal=2), **kwargs)


class Week(fields.Dict):
    """{weekday (0 Monday .. 6 Sunday): [[open, close], ...]}."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(
            [str(d) for d in range(7)], error="Weekdays are 0 (Monday) to 6 (Sunday).")),
            values=fields.List(Span()), required=True, **kwargs)


class Office(Schema):
    id = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(required=True, validate=validate.Length(min=1, max=500))
    step_free = fields.Boolean(required=True)
    hours = Week()
    closures = fields.List(fields.Date(), load_default=list)


class AppointmentType(Schema):
    id = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=5, max=480))
    buffer_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=120))
    advisers_at_once = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    needs_case = fields.Boolean(load_default=False)
    urgencies = fields.List(fields.String(validate=validate.OneOf(TYPE_URGENCIES)),
                            load_default=list)
    office_ids = fields.List(fields.String(validate=ID), required=True,
                             validate=validate.Length(min=1))


class Adviser(Schema):
    """One rostered role: an adviser takes one appointment type in the hours
    of `pattern`, so no one is counted twice at the same time. Someone who
    does two kinds of appointment has a record for each, on different hours."""
    id = fields.String(required=True, validate=ID)
    office_id = fields.String(required=True, validate=ID)
    type_ids = fields.List(fields.String(validate=ID), required=True,
                           validate=validate.Length(equal=1, error=(
                               "An adviser record takes one appointment type. Add another "
                               "record, on other hours, for a second type.")))
    pattern = Week()


def load(schema, **data):
    """The cleaned arguments, or ValidationError naming each bad field."""
    return instance(schema).load(data)
