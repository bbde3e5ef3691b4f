"""What each notify RPC accepts. Bad input raises marshmallow's
ValidationError with a dict of field -> plain-English messages, before
anything reaches the database."""
from marshmallow import Schema, ValidationError, fields, validate, validates

from services.council.contact import normalise_mobile
from services.kit.schemas import instance
from services.council.contact import EMAIL
from services.notify.contract import RECEIPT_STATUSES
from services.notify.domain.timeline import address_channel



class Receipt(Schema):
    message_id = fields.UUID(required=True, error_messages={
        "required": "Enter the message's reference.",
        "invalid_uuid": "The reference must be the id the message was sent with."})
    status = fields.String(required=True, validate=validate.OneOf(
        RECEIPT_STATUSES, error="The status must be one of: " + ", ".join(RECEIPT_STATUSES)))


class TimelineLink(Schema):
    address = fields.String(required=True, validate=validate.Length(max=320), error_messages={
        "required": "Enter your email address or mobile number.",
        "null": "Enter your email address or mobile number."})

    @validates("address")
    def _address(self, value, **kwargs):
        channel = address_channel(value)
        if channel == EMAIL:
            validate.Email(error="Enter an email address in the correct format, like "
                                 "name@example.com.")(value.strip())
        elif normalise_mobile(value) is None:
            raise ValidationError("Enter an email address, or a UK mobile number like "
                                  "07700 900 982.")


class TimelineCode(Schema):
    code = fields.String(required=True, validate=validate.Length(min=4, max=64), error_messages={
        "required": "Enter the code from your link."})


class MessageId(Schema):
    message_id = fields.UUID(required=True, error_messages={
        "required": "Enter the message id.", "invalid_uuid": "That is not a message id."})


class DeadList(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


def load(schema, **data):
    """The cleaned arguments, or ValidationError naming each bad field."""
    return instance(schema).load(data)
