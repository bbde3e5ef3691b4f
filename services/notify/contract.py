"""What the rest of Townhall may know of notify: the events it publishes,
the codes they and its RPCs use, and the shape of the replies the gateway
consumes. Importing it loads no nameko, broker or database library.

The channels a resident is told by are the kit's (services.council.contact);
the receipt statuses are defined in the pure domain
(services.notify.domain.channels) and published from here. A message is
known by its id and the event it was about: never its address or its words.
"""
from marshmallow import Schema, fields, validate

from services.council.contact import CHANNELS
from services.kit.envelope import EventCatalogue, EventContract
from services.kit.schemas import Reply
from services.notify.domain.channels import RECEIPT_STATUSES

__all__ = ["CATALOGUE", "CHANNELS", "RECEIPT_STATUSES", "REPLIES", "ReceiptRecorded",
           "Replayed", "Timeline", "TimelineLinkSent"]


# -- events ------------------------------------------------------------------------------

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


CATALOGUE: EventCatalogue = EventCatalogue(
    "notify",
    EventContract("NotificationDelivered", NotificationDeliveredSchema, description=(
        "The provider delivered a message to the resident's phone or inbox.")),
    EventContract("NotificationFailed", NotificationFailedSchema, description=(
        "A message did not reach the resident: the address failed for good "
        "(with the message sent on the other channel instead, if any), or it "
        "ran out of attempts and waits for an operator.")),
)


# -- RPC replies the gateway consumes ---------------------------------------------------

class ReceiptRecorded(Reply):
    """`notify.record_receipt(message_id, status)`: whether the message is ours."""
    known = fields.Boolean(required=True)


class TimelineLinkSent(Reply):
    """`notify.send_timeline_link(address)`: how long the link will work."""
    valid_days = fields.Integer(required=True)


class TimelineEntry(Reply):
    at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    detail = fields.String(required=True, allow_none=True)
    reference = fields.String(required=True, allow_none=True)
    message_status = fields.String(required=True, allow_none=True)
    channel = fields.String(required=True, allow_none=True,
                            validate=validate.OneOf(CHANNELS))


class Timeline(Reply):
    """`notify.timeline(code)`: a resident's newest entries, oldest first."""
    entries = fields.List(fields.Nested(TimelineEntry), required=True)


class Replayed(Reply):
    """`notify.replay(message_id)`: the message sent again."""
    replayed = fields.UUID(required=True)


# The schema of each RPC's reply, by RPC name.
REPLIES: dict[str, type[Schema]] = {
    "record_receipt": ReceiptRecorded, "send_timeline_link": TimelineLinkSent,
    "timeline": Timeline, "replay": Replayed}
