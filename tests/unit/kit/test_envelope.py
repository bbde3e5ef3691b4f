import datetime as dt
import uuid

import pytest
from marshmallow import Schema, ValidationError, fields

from services.kit import envelope
from services.kit.db import routing_key


class ThingDoneSchema(Schema):
    thing_id = fields.Integer(required=True)
    note = fields.String(load_default=None)


CATALOGUE = envelope.EventCatalogue(
    "things", envelope.EventContract("ThingDone", ThingDoneSchema))


def test_build_wraps_valid_data_in_the_envelope():
    when = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.timezone.utc)
    body = CATALOGUE.build("ThingDone", {"thing_id": 4}, "req-1", occurred_at=when)
    assert uuid.UUID(body["event_id"])
    assert body["event_type"] == "ThingDone"
    assert body["version"] == 1
    assert body["source"] == "things"
    assert body["correlation_id"] == "req-1"
    assert body["occurred_at"] == "2026-03-29T00:30:00+00:00"
    assert body["data"] == {"thing_id": 4, "note": None}


def test_build_refuses_invalid_data_and_undeclared_events():
    with pytest.raises(ValidationError) as err:
        CATALOGUE.build("ThingDone", {"thing_id": "four"}, "req-1")
    assert "thing_id" in err.value.messages
    with pytest.raises(ValueError, match="does not publish 'ThingUndone'"):
        CATALOGUE.build("ThingUndone", {}, "req-1")


def test_parse_round_trips_and_ignores_unknown_fields():
    body = CATALOGUE.build("ThingDone", {"thing_id": 4}, "req-1")
    body["added_in_a_later_release"] = True
    body["data"]["also_new"] = "x"
    event = envelope.parse(body, CATALOGUE.contract("ThingDone"))
    assert event.event_id == uuid.UUID(body["event_id"])
    assert event.data == {"thing_id": 4, "note": None}
    assert event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("broken, field", [
    ({"event_id": "not-a-uuid"}, "event_id"),
    ({"event_type": "thing_done"}, "event_type"),
    ({"occurred_at": "2026-01-01T00:00:00"}, "occurred_at"),  # no time zone
    ({"version": 0}, "version"),
    ({"data": {"thing_id": "x"}}, "thing_id"),
])
def test_parse_rejects_broken_envelopes(broken, field):
    body = CATALOGUE.build("ThingDone", {"thing_id": 4}, "req-1")
    body.update(broken)
    with pytest.raises(ValidationError) as err:
        envelope.parse(body, CATALOGUE.contract("ThingDone"))
    assert field in str(err.value.messages)


def test_parse_rejects_a_body_that_is_not_an_object():
    with pytest.raises(ValidationError):
        envelope.parse(["a", "list"])


def test_version_one_keeps_the_bare_event_name_as_routing_key():
    assert routing_key({"event_type": "ThingDone", "version": 1}) == "ThingDone"
    assert routing_key({"event_type": "ThingDone", "version": 2}) == "ThingDone.v2"


def test_build_validates_the_envelope_too():
    with pytest.raises(ValidationError) as err:
        CATALOGUE.build("ThingDone", {"thing_id": 4}, "x" * 129)
    assert "correlation_id" in err.value.messages
