"""What the operations API answers: liveness, health, the echo round trip,
who a token belongs to, and parked messages."""
from marshmallow import fields, validate

from gateway.web.schemas import ErrorDetailSchema, GatewaySchema, PlainText, Timestamp


# --- echo: the bare HTTP -> RPC round trip ---

class EchoRequestSchema(GatewaySchema):
    message = PlainText(
        required=True, missing_message="Enter a message",
        validate=validate.Length(
            max=500, error="Message must be 500 characters or fewer"),
        metadata={"description": "Any text, 1 to 500 characters", "example": "hello"})


class EchoResponseSchema(GatewaySchema):
    message = fields.String(required=True)
    service = fields.String(required=True, metadata={
        "description": "The service that answered"})
    received_at = fields.DateTime(required=True, metadata={
        "description": "When the gateway received the request (UTC)"})


# --- health ---

class ServiceHealthSchema(GatewaySchema):
    service = fields.String()
    status = fields.String(required=True, metadata={
        "description": "ok, degraded or unavailable"})
    instance = fields.String()
    version = fields.String()
    uptime_seconds = fields.Float()
    checks = fields.Dict(keys=fields.String(), values=fields.String())
    outbox_backlog = fields.Integer(allow_none=True)
    error = fields.String(metadata={"description": "Why the gateway counts it as down"})


class HealthSchema(GatewaySchema):
    status = fields.String(required=True, metadata={"description": "ok or unavailable"})
    services = fields.Dict(keys=fields.String(),
                           values=fields.Nested(ServiceHealthSchema))
    down = fields.List(fields.String())
    error = fields.Nested(ErrorDetailSchema)


class LiveSchema(GatewaySchema):
    status = fields.String(required=True)


# --- staff ---

class StaffMeSchema(GatewaySchema):
    sub = fields.String(required=True, metadata={"description": "Who the token names"})
    roles = fields.List(fields.String(), required=True)
    auth = fields.String(required=True, metadata={"description": "bearer or api_key"})


class ParkedMessageSchema(GatewaySchema):
    id = fields.String(allow_none=True)
    queue = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    correlation_id = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    attempts = fields.Integer(allow_none=True)
    parked_at = Timestamp(allow_none=True)


class ParkedListSchema(GatewaySchema):
    items = fields.List(fields.Nested(ParkedMessageSchema), required=True)
    count = fields.Integer(required=True)
