"""The schema base and fields every part of the gateway uses, and the error
and paging shapes of its API.

The gateway keeps its own schemas rather than importing the services': the
HTTP contract changes on its own timetable. Every error message is written
for the person filling in the form, because it reaches them word for word in
`{"error": {"fields": {"postcode": ["Enter a full postcode, like SW1A 1AA"]}}}`.
"""
import datetime as dt
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate


class GatewaySchema(Schema):
    """Base for every request and response schema: unknown fields are an
    error, in words a resident can act on."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "This field is not recognised",
        "type": "Send a JSON object",
    }


class PlainText(fields.String):
    """A string with surrounding whitespace removed; blank counts as missing."""

    def __init__(self, *, missing_message=None, **kwargs):
        super().__init__(**kwargs)
        if missing_message:
            self.error_messages["required"] = missing_message
            self.error_messages["null"] = missing_message
            self.error_messages["blank"] = missing_message
        else:
            self.error_messages.setdefault("blank", "Enter a value")
        self.error_messages["invalid"] = "Enter text"

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and self.required:
            raise self.make_error("blank")
        return text


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


class Postcode(fields.String):
    """A UK postcode, returned in its usual form: upper case, one space."""

    default_error_messages = {
        "invalid": "Enter a full postcode, like SW1A 1AA",
        "required": "Enter a postcode",
        "null": "Enter a postcode",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        compact = re.sub(r"\s+", "", value).upper()
        match = _POSTCODE.match(compact)
        if not match:
            raise self.make_error("invalid")
        return f"{match.group(1)} {match.group(2)}"


class Timestamp(fields.Field):
    """An ISO 8601 time that may arrive as a datetime or as a string."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()
        return str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Enter a date and time")
        return value


# --- errors (documented in the OpenAPI document; built by gateway.web.errors) ---

class ErrorDetailSchema(GatewaySchema):
    code = fields.String(required=True, metadata={
        "description": "Stable, for programs: not_found, validation_error, ..."})
    message = fields.String(required=True, metadata={
        "description": "Plain English, for people"})
    field_errors = fields.Dict(
        data_key="fields",
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "Each bad input field and what is wrong with it"})
    correlation_id = fields.String(metadata={
        "description": "Quote this to support (500 errors only)"})


class ErrorSchema(GatewaySchema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# --- paging ---

class PageQuerySchema(GatewaySchema):
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(1, 100, error="Ask for between 1 and 100 items"),
        error_messages={"invalid": "Enter a whole number, like 20"},
        metadata={"description": "How many items to return (1 to 100)"})
