"""Consumers: the same event twice changes state once; a failing handler is
retried with growing delays, then parked where an operator can replay it."""
import datetime as dt
import time
import uuid

import kombu
import psycopg2
import pytest

from services.kit import dlq, topology
from services.kit.messaging import event_handler
from tests.support.waiting import wait_until
from tests.integration.kit.services import ATTEMPTS, Flaky, Tally


def publish_raw(uri, body, routing_key="EntryRecorded", exchange="ledger.events"):
    with kombu.Connection(uri, transport_options={"confirm_publish": True}) as conn:
        kombu.Producer(conn.channel()).publish(
            body, exchange=kombu.Exchange(exchange, type="topic", durable=True),
            routing_key=routing_key, serializer="json", delivery_mode=2,
            declare=[kombu.Exchange(exchange, type="topic", durable=True)],
            message_id=str(body.get("event_id")) if isinstance(body, dict) else None)


def envelope(amount=3, event_id=None, correlation_id="req-inbox"):
    return {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": "EntryRecorded",
        "version": 1,
        "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "source": "ledger",
        "correlation_id": correlation_id,
        "data": {"entry_id": 1, "amount": amount, "a_field_added_later": "ignored"},
    }


def tallied(url):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT event_id, amount, correlation_id FROM tallied ORDER BY id")
            return cur.fetchall()
    finally:
        conn.close()


def test_same_event_delivered_twice_changes_state_once(container_factory, broker,
                                                       tally_config):
    container = container_factory(Tally, tally_config)
    container.start()
    body = envelope(amount=7)

    publish_raw(broker.uri, body)
    publish_raw(broker.uri, body)  # a redelivery: same event id
    publish_raw(broker.uri, envelope(amount=8))  # a different event

    assert wait_until(lambda: len(tallied(tally_config["DATABASE_URL"])) >= 2)
    # one more event: once it is tallied, a wrongful second effect of the
    # redelivery would be there too
    publish_raw(broker.uri, envelope(amount=9))
    assert wait_until(lambda: 9 in [r[1] for r in tallied(tally_config["DATABASE_URL"])])
    got = [r for r in tallied(tally_config["DATABASE_URL"]) if r[1] != 9]
    assert sorted(r[1] for r in got) == [7, 8]
    assert [str(r[0]) for r in got if r[1] == 7] == [body["event_id"]]
    assert {r[2] for r in got} == {"req-inbox"}


@pytest.fixture
def parked(broker):
    with kombu.Connection(broker.uri) as conn:
        topology.declare_parking(conn)
    dlq.discard(everything=True, uri=broker.uri)
    yield lambda: dlq.list_parked(broker.uri)
    dlq.discard(everything=True, uri=broker.uri)


@pytest.fixture
def attempts():
    ATTEMPTS.times.clear()
    ATTEMPTS.succeed = False
    ATTEMPTS.permanent = False
    return ATTEMPTS


def test_failing_handler_retries_with_backoff_then_parks_and_replays(
        container_factory, broker, parked, attempts):
    config = {"AMQP_URI": broker.uri, "max_workers": 2,
              "EVENT_RETRY_DELAYS": [0.2, 0.4, 0.8, 1.6]}
    container_factory(Flaky, config).start()
    body = envelope(amount=13)
    publish_raw(broker.uri, body)

    assert wait_until(lambda: len(parked()) == 1, timeout=15)
    assert len(attempts.times) == 5
    gaps = [b - a for a, b in zip(attempts.times, attempts.times[1:])]
    for gap, delay in zip(gaps, [0.2, 0.4, 0.8, 1.6]):
        assert gap >= delay * 0.9, gaps
    assert gaps == sorted(gaps), f"delays should grow: {gaps}"

    [entry] = parked()
    assert entry["event_id"] == body["event_id"]
    assert entry["queue"] == "evt-ledger-EntryRecorded--flaky.on_entry"
    assert entry["attempts"] == 5
    assert "downstream system unavailable" in entry["error"]

    # Parked means parked: nothing loops.
    time.sleep(1.0)
    assert len(attempts.times) == 5

    # The operator fixes the cause and replays it: it is delivered again.
    attempts.succeed = True
    replayed = dlq.replay([entry["id"]], uri=broker.uri)
    assert [r["event_id"] for r in replayed] == [body["event_id"]]
    assert wait_until(lambda: len(attempts.times) == 6)
    # a new event after it: once handled, a second delivery of the replayed
    # one would have been too
    publish_raw(broker.uri, envelope(amount=14))
    assert wait_until(lambda: len(attempts.times) >= 7)
    assert len(attempts.times) == 7
    assert parked() == []


def test_permanent_failure_and_malformed_events_park_at_once(
        container_factory, broker, parked, attempts):
    config = {"AMQP_URI": broker.uri, "max_workers": 2,
              "EVENT_RETRY_DELAYS": [0.2, 0.4, 0.8, 1.6]}
    container_factory(Flaky, config).start()
    attempts.permanent = True

    publish_raw(broker.uri, envelope())
    bad = envelope()
    bad["data"] = {"amount": "three"}  # fails the event's own schema
    publish_raw(broker.uri, bad)

    assert wait_until(lambda: len(parked()) == 2, timeout=10)
    errors = sorted(p["error"] for p in parked())
    assert "Permanent" in errors[0] or "Permanent" in errors[1]
    assert any("invalid event" in e and "amount" in e for e in errors)
    assert len(attempts.times) == 1  # the malformed one never reached the handler


def test_dlq_command_lists_and_discards(container_factory, broker, parked, attempts,
                                        capsys, monkeypatch):
    config = {"AMQP_URI": broker.uri, "max_workers": 2, "EVENT_RETRY_DELAYS": [0.1]}
    container_factory(Flaky, config).start()
    body = envelope()
    publish_raw(broker.uri, body)
    assert wait_until(lambda: len(parked()) == 1, timeout=10)

    monkeypatch.setenv("AMQP_URI", broker.uri)
    assert dlq.main(["list"]) == 0
    out = capsys.readouterr().out
    [entry] = parked()
    assert entry["id"] in out and body["event_id"] in out
    assert "downstream system unavailable" in out

    assert dlq.main(["discard", entry["id"]]) == 0
    assert "Discarded 1" in capsys.readouterr().out
    assert parked() == []
    assert dlq.main(["replay", "no-such-id"]) == 1


def publish_bytes(uri, raw, headers=None, content_type="application/json"):
    with kombu.Connection(uri, transport_options={"confirm_publish": True}) as conn:
        exchange = kombu.Exchange("ledger.events", type="topic", durable=True)
        kombu.Producer(conn.channel()).publish(
            raw, exchange=exchange, routing_key="EntryRecorded", declare=[exchange],
            content_type=content_type, content_encoding="utf-8", headers=headers or {},
            delivery_mode=2)


def test_undecodable_body_is_parked_not_logged_and_dropped(
        container_factory, broker, parked, attempts, caplog):
    config = {"AMQP_URI": broker.uri, "max_workers": 2, "EVENT_RETRY_DELAYS": [0.1]}
    container_factory(Flaky, config).start()

    publish_bytes(broker.uri, b'{"name": "Jo Resident", not json')

    assert wait_until(lambda: len(parked()) == 1, timeout=10)
    [entry] = parked()
    assert entry["queue"] == "evt-ledger-EntryRecorded--flaky.on_entry"
    assert "undecodable body" in entry["error"]
    assert attempts.times == []
    assert "Jo Resident" not in caplog.text  # the body stays out of the logs


def test_a_mangled_attempt_header_does_not_stop_the_handler(
        container_factory, broker, parked, attempts):
    config = {"AMQP_URI": broker.uri, "max_workers": 2, "EVENT_RETRY_DELAYS": [0.1]}
    container = container_factory(Flaky, config)
    container.start()
    import json
    publish_bytes(broker.uri, json.dumps(envelope()).encode(),
                  headers={"x-townhall-attempt": "not-a-number"})
    # Read as attempt 1: one retry, then parked; the container keeps running.
    assert wait_until(lambda: len(parked()) == 1, timeout=10)
    assert len(attempts.times) == 2
    attempts.succeed = True
    publish_raw(broker.uri, envelope())
    assert wait_until(lambda: len(attempts.times) == 3)


def test_replay_all_is_one_pass_and_keeps_what_has_nowhere_to_go(
        container_factory, broker, parked, attempts):
    config = {"AMQP_URI": broker.uri, "max_workers": 2, "EVENT_RETRY_DELAYS": [0.05]}
    container = container_factory(Flaky, config)
    container.start()
    for _ in range(3):
        publish_raw(broker.uri, envelope())
    assert wait_until(lambda: len(parked()) == 3, timeout=10)

    # The handler still fails: replayed copies come back parked, and must not
    # be replayed again by the same pass.
    started = time.monotonic()
    replayed = dlq.replay(everything=True, uri=broker.uri)
    assert len(replayed) == 3 and time.monotonic() - started < 10
    assert wait_until(lambda: len(parked()) == 3, timeout=10)

    # A queue that no longer exists: the message stays parked, not lost.
    container.stop()
    broker.delete_queues_bound_to("ledger.events")
    kept = dlq.replay(everything=True, uri=broker.uri)
    assert [r["kept"] for r in kept] == ["its queue no longer exists"] * 3
    assert len(parked()) == 3


class Bystander:
    """Another service in the same process, stopped while Flaky runs."""
    name = "bystander"

    @event_handler("ledger", "EntryVoided")
    def on_voided(self, event):
        pass


def test_a_container_stopping_does_not_stop_another_one_parking(
        container_factory, broker, parked, attempts):
    config = {"AMQP_URI": broker.uri, "max_workers": 2,
              "EVENT_RETRY_DELAYS": [0.2, 0.4, 0.8, 1.6]}
    container_factory(Flaky, config).start()
    bystander = container_factory(Bystander, config)
    bystander.start()
    attempts.permanent = True
    publish_raw(broker.uri, envelope())
    assert wait_until(lambda: len(parked()) == 1, timeout=10)

    # both handlers talk to the same broker: stopping one must leave the
    # other able to retry and park
    bystander.stop()
    publish_raw(broker.uri, envelope())
    assert wait_until(lambda: len(parked()) == 2, timeout=10)
