"""The one envelope every Townhall event travels in.

Publisher and consumers validate with the same schemas: the envelope here,
the `data` part with the schema the publishing service declares in its
contract.py. Consumers ignore fields they do not know, so a publisher may add
optional fields without breaking anyone.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from services.kit.schemas import instance

EVENT_TYPE_PATTERN = r"^[A-Z][A-Za-z0-9]+$"


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    event_type = fields.String(
        required=True, validate=validate.Regexp(EVENT_TYPE_PATTERN))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    source = fields.String(required=True, validate=validate.Length(min=1, max=64))
    correlation_id = fields.String(
        required=True, validate=validate.Length(min=1, max=128))
    data = fields.Dict(required=True)


@dataclasses.dataclass(frozen=True)
class Event:
    event_id: uuid.UUID
    event_type: str
    version: int
    occurred_at: dt.datetime
    source: str
    correlation_id: str
    data: dict


class EventContract:
    """The schema of one event type's `data`, at one version."""

    def __init__(self, event_type: str, schema: type[Schema], version: int = 1,
                 description: str = ""):
        self.event_type = event_type
        self.schema = schema
        self.version = version
        self.description = description

    @property
    def routing_key(self) -> str:
        """Version 1 keeps the bare name so plain nameko handlers bind to it;
        a later version is published alongside under `<EventType>.v<N>`."""
        return self.event_type if self.version == 1 else f"{self.event_type}.v{self.version}"

    def load(self, data: dict) -> dict:
        return instance(self.schema).load(data, unknown=EXCLUDE)


class EventCatalogue:
    """The events one service publishes: its public contract."""

    def __init__(self, source: str, *contracts: EventContract):
        self.source = source
        self._by_type = {c.event_type: c for c in contracts}

    def __iter__(self) -> Iterator[EventContract]:
        return iter(self._by_type.values())

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._by_type

    def contract(self, event_type: str) -> EventContract:
        try:
            return self._by_type[event_type]
        except KeyError:
            raise ValueError(
                f"{self.source} does not publish {event_type!r}; "
                f"declare it in its contract.py") from None

    def build(self, event_type: str, data: dict, correlation_id: str,
              occurred_at: dt.datetime | None = None) -> dict:
        """Validates `data` and wraps it: nothing unvalidated reaches the broker."""
        contract = self.contract(event_type)
        schema = instance(contract.schema)
        clean = schema.dump(schema.load(data))
        body = {
            "event_id": str(uuid.uuid4()),
            "event_type": event_type,
            "version": contract.version,
            "occurred_at": (occurred_at or dt.datetime.now(dt.timezone.utc)).isoformat(),
            "source": self.source,
            "correlation_id": correlation_id,
            "data": clean,
        }
        errors = instance(EnvelopeSchema).validate(body)
        if errors:  # e.g. a correlation id no consumer would accept
            raise ValidationError(errors)
        return body


def parse(body, contract=None):
    """Envelope (and, given its contract, data) from a message body.

    Raises ValidationError for a body that cannot be an event: such a message
    is parked at once, because retrying it cannot help.
    """
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["event body is not a JSON object"]})
    loaded = instance(EnvelopeSchema).load(body)
    if contract is not None:
        loaded["data"] = contract.load(loaded["data"])
    return Event(**loaded)
