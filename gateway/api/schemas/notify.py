"""What the gateway's notification routes accept and answer: Notify's
delivery receipts, a resident's request for their timeline link, and the
timeline itself."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from services.notify.contract import RECEIPT_STATUSES

from gateway.api.schemas import bins
from gateway.web.schemas import GatewaySchema



class ReceiptSchema(Schema):
    """GOV.UK Notify's delivery receipt callback. Notify may add fields, so
    unknown ones are let go; `to` (an address) is never read."""

    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True)
    # Notify sends null for messages sent from its own website: taken, ignored.
    reference = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(
        RECEIPT_STATUSES, error="The status must be one of: " + ", ".join(RECEIPT_STATUSES)))
    notification_type = fields.String(load_default=None)


class ReceiptAnswerSchema(GatewaySchema):
    received = fields.Boolean(required=True)


class TimelineLinkSchema(GatewaySchema):
    address = fields.String(required=True, validate=validate.Length(max=320, error=(
        "Enter an email address or mobile number of 320 characters or fewer")), error_messages={
        "required": "Enter your email address or mobile number",
        "null": "Enter your email address or mobile number"})

    @validates("address")
    def _address(self, value, **kwargs):
        value = value.strip()
        if "@" in value:
            bins.check_email(value)
        elif bins.normalise_mobile(value) is None:
            raise ValidationError("Enter an email address, or a UK mobile number like "
                                  "07700 900 982")


class TimelineLinkAnswerSchema(GatewaySchema):
    message = fields.String(required=True)


class TimelineEntrySchema(GatewaySchema):
    at = fields.String(required=True, metadata={"description": "When, ISO 8601"})
    kind = fields.String(required=True, metadata={
        "description": "report, case, booking or message"})
    title = fields.String(required=True)
    detail = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    message_status = fields.String(allow_none=True, metadata={
        "description": "For a message: pending, sending, sent, delivered, failed or dead"})
    channel = fields.String(allow_none=True)


class TimelineSchema(GatewaySchema):
    entries = fields.List(fields.Nested(TimelineEntrySchema), required=True)


class DeadMessageSchema(GatewaySchema):
    id = fields.String(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    template_id = fields.String(required=True)
    template_version = fields.Integer(required=True)
    channel = fields.String(required=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    finished_at = fields.String(allow_none=True)


class DeadListSchema(GatewaySchema):
    items = fields.List(fields.Nested(DeadMessageSchema), required=True)
    count = fields.Integer(required=True)


class ReplayAnswerSchema(GatewaySchema):
    replayed = fields.String(required=True)


def link_sent(answer):
    """What a resident is told after asking for a link, known address or not."""
    days = (answer or {}).get("valid_days") or 30
    return ("If we have anything for that address, we have sent it a link to your "
            f"timeline. The link works for {days} days.")
