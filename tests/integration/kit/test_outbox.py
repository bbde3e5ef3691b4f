"""The outbox: a change and its event commit together, and every committed
event reaches the broker exactly once, even across a crash."""
import os
import time
import signal
import subprocess
import sys
import textwrap

import psycopg2
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.exceptions import RemoteError

from tests.support.waiting import wait_until
from tests.integration.kit.services import Ledger


def rows(url, query):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchall()
    finally:
        conn.close()


def test_committed_change_publishes_one_envelope(container_factory, ledger_config, subscriber):
    sub = subscriber()
    container_factory(Ledger, ledger_config).start()

    with ServiceRpcProxy("ledger", ledger_config,
                         context_data={"correlation_id": "req-outbox-1"}) as ledger:
        entry_id = ledger.record(12)

    got = sub.collect(1, settle=0.5)
    assert len(got) == 1
    body = got[0].payload
    assert body["event_type"] == "EntryRecorded"
    assert body["source"] == "ledger"
    assert body["version"] == 1
    assert body["correlation_id"] == "req-outbox-1"
    assert body["data"] == {"entry_id": entry_id, "amount": 12}
    assert got[0].properties["message_id"] == body["event_id"]
    assert rows(ledger_config["DATABASE_URL"],
                "SELECT count(*) FROM outbox WHERE published_at IS NULL") == [(0,)]


def test_rolled_back_change_publishes_nothing(container_factory, ledger_config, subscriber):
    sub = subscriber()
    container_factory(Ledger, ledger_config).start()

    with ServiceRpcProxy("ledger", ledger_config) as ledger:
        with pytest.raises(RemoteError) as err:
            ledger.record(5, fail_after_publish=True)
        assert err.value.exc_type == "DomainRuleBroken"
        ledger.record(6)  # a later success proves the relay was running

    got = sub.collect(2, timeout=2.0, settle=0.5)
    assert [m.payload["data"]["amount"] for m in got] == [6]
    assert rows(ledger_config["DATABASE_URL"], "SELECT amount FROM entries") == [(6,)]
    assert rows(ledger_config["DATABASE_URL"], "SELECT count(*) FROM outbox") == [(1,)]


CRASH_AFTER_COMMIT = textwrap.dedent("""
    import os, signal, sys
    from services.kit.db import Pool, unit_of_work
    from tests.integration.kit.services import LEDGER_EVENTS

    def die(ids):
        # The commit has happened; the relay would be told now. Die instead.
        os.kill(os.getpid(), signal.SIGKILL)

    pool = Pool(sys.argv[1], 1, 1, "crash-test")
    with unit_of_work(pool, LEDGER_EVENTS, "req-crash", on_commit=die) as uow:
        uow.cursor.execute("INSERT INTO entries (amount) VALUES (99) RETURNING id")
        entry_id = uow.cursor.fetchone()["id"]
        uow.publish("EntryRecorded", {"entry_id": entry_id, "amount": 99})
    print("not reached")
""")


def test_crash_between_commit_and_publish_only_delays(container_factory, ledger_config,
                                                      subscriber):
    sub = subscriber()
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_COMMIT, ledger_config["DATABASE_URL"]],
        capture_output=True, text=True, timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))))
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "not reached" not in proc.stdout
    url = ledger_config["DATABASE_URL"]
    assert rows(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == [(1,)]
    assert sub.collect(1, timeout=0.5) == []

    # A service instance starting up sweeps the outbox and sends it, once.
    container_factory(Ledger, ledger_config).start()
    got = sub.collect(1, timeout=5.0, settle=1.0)
    assert len(got) == 1
    assert got[0].payload["data"]["amount"] == 99
    assert got[0].payload["correlation_id"] == "req-crash"
    assert wait_until(lambda: rows(
        url, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == [(0,)])


def take_unrouted(broker):
    """The next message in the unrouted queue (taken), or None."""
    import kombu
    from services.kit import topology
    with kombu.Connection(broker.uri) as conn:
        return kombu.Queue(topology.UNROUTED, channel=conn.channel()).get(
            no_ack=True, accept=["json"])


def test_event_without_subscribers_is_kept_as_unrouted(container_factory, broker,
                                                       ledger_config):
    import kombu
    from services.kit import topology

    broker.delete_queues_bound_to("ledger.events")
    with kombu.Connection(broker.uri) as conn:
        topology.declare_unrouted(conn)
        kombu.Queue(topology.UNROUTED, channel=conn.channel()).purge()
    container_factory(Ledger, ledger_config).start()

    with ServiceRpcProxy("ledger", ledger_config) as ledger:
        ledger.record(41)

    # read the queue itself: the management API's depths lag by seconds
    message = wait_until(lambda: take_unrouted(broker), timeout=10)
    assert message is not None and message.payload["data"]["amount"] == 41
    assert take_unrouted(broker) is None


def test_correlation_id_follows_the_request_into_consumer_logs(
        container_factory, ledger_config, tally_config):
    import io
    import json
    import logging

    from services.kit.logs import JsonFormatter, service_filter
    from tests.integration.kit.services import Tally

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(service_filter("test"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        container_factory(Ledger, ledger_config).start()
        container_factory(Tally, tally_config).start()
        with ServiceRpcProxy("ledger", ledger_config,
                             context_data={"correlation_id": "req-trace-42"}) as ledger:
            ledger.record(3)

        def handled_line():
            for line in stream.getvalue().splitlines():
                record = json.loads(line)
                if record["message"] == "event handled":
                    return record
        record = wait_until(handled_line)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert record["correlation_id"] == "req-trace-42"
    assert record["event_type"] == "EntryRecorded"
    assert record["time"].endswith("+00:00")


def test_a_batch_the_broker_refuses_stays_unsent_until_it_is_taken(
        container_factory, broker, ledger_config):
    """A queue that is full and rejects publishes makes the broker nack: the
    relay must not mark those events sent, and must send them once there is
    room."""
    import kombu

    broker.delete_queues_bound_to("ledger.events")
    exchange = kombu.Exchange("ledger.events", type="topic", durable=True)
    conn = kombu.Connection(broker.uri)
    full = kombu.Queue("test-full-subscriber", exchange=exchange, routing_key="EntryRecorded",
                       queue_arguments={"x-max-length": 1, "x-overflow": "reject-publish"},
                       channel=conn.channel())
    full.declare()
    try:
        container_factory(Ledger, ledger_config).start()
        with ServiceRpcProxy("ledger", ledger_config) as ledger:
            ledger.record(1)
            assert wait_until(lambda: rows(ledger_config["DATABASE_URL"],
                                         "SELECT count(*) FROM outbox WHERE published_at IS NULL")
                            == [(0,)])
            ledger.record(2)  # the queue already holds one: the broker nacks

        time.sleep(1.0)
        url = ledger_config["DATABASE_URL"]
        assert rows(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == [(1,)]

        amounts = set()
        deadline = time.monotonic() + 20
        while amounts != {1, 2} and time.monotonic() < deadline:
            message = full.get(no_ack=True, accept=["json"])
            if message is None:
                time.sleep(0.05)
            else:
                amounts.add(message.payload["data"]["amount"])
        assert amounts == {1, 2}
        assert wait_until(lambda: rows(
            url, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == [(0,)])
    finally:
        full.delete()
        conn.release()


def test_extra_headers_travel_with_the_event(ledger_config, subscriber):
    from services.kit.db import Pool, unit_of_work
    from services.kit.outbox import OutboxRelay
    from tests.integration.kit.services import LEDGER_EVENTS

    sub = subscriber()
    pool = Pool(ledger_config["DATABASE_URL"], 1, 1, "headers-test")
    relay = OutboxRelay(ledger_config["DATABASE_URL"], ledger_config["AMQP_URI"])
    try:
        with unit_of_work(pool, LEDGER_EVENTS, "req-h") as uow:
            uow.publish("EntryRecorded", {"entry_id": 1, "amount": 1}, headers={"round_id": "R7"})
        assert relay.publish_pending() == 1
    finally:
        relay._reset()
        pool.close()
    [message] = sub.collect(1)
    assert message.headers["round_id"] == "R7"
    assert message.headers["nameko.correlation_id"] == "req-h"
