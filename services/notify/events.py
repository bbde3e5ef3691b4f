"""Events the notify service publishes: its public contract.

Other services may import this module to validate what they receive. A
message is known by its id and the event it was about: never its address
or its words.
"""
from marshmallow import Schema, fields, validate

from services.kit.envelope import EventCatalogue, EventContract

CHANNELS = ("email", "sms")


class _Message(Schema):
    message_id = fields.UUID(required=True)
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True)
    template_id = fields.String(required=True)
    template_version = fields.Integer(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))


class NotificationDeliveredSchema(_Message):
    status = fields.String(required=True, validate=validate.Equal("delivered"))


class NotificationFailedSchema(_Message):
    # failed: the address will never work; dead: out of attempts, waiting
    # for an operator to replay it.
    status = fields.String(required=True, validate=validate.OneOf(("failed", "dead")))
    reason = fields.String(required=True)
    fallback_message_id = fields.UUID(allow_none=True, load_default=None)


CATALOGUE = EventCatalogue(
    "notify",
    EventContract("NotificationDelivered", NotificationDeliveredSchema, description=(
        "The provider delivered a message to the resident's phone or inbox.")),
    EventContract("NotificationFailed", NotificationFailedSchema, description=(
        "A message did not reach the resident: the address failed for good "
        "(with the message sent on the other channel instead, if any), or it "
        "ran out of attempts and waits for an operator.")),
)
