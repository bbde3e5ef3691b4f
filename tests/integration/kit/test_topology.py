"""Subscriber queues exist before anything is published, so an event sent
while its subscriber is down waits for it instead of vanishing."""
import kombu
from nameko.standalone.rpc import ServiceRpcProxy

from services.kit import topology
from tests.support.waiting import wait_until
from tests.integration.kit.test_inbox_and_retry import tallied
from tests.integration.kit.test_outbox import take_unrouted
from tests.integration.kit.services import Flaky, Ledger, Tally


def test_subscriptions_are_named_as_nameko_names_them():
    assert topology.subscriptions(Tally) == [
        ("evt-ledger-EntryRecorded--tally.on_entry", "ledger.events", "EntryRecorded")]
    assert topology.subscriptions(Flaky) == [
        ("evt-ledger-EntryRecorded--flaky.on_entry", "ledger.events", "EntryRecorded")]
    assert topology.subscriptions(Ledger) == []


def test_event_published_while_subscriber_is_down_waits_for_it(
        container_factory, broker, ledger_config, tally_config):
    broker.delete_queues_bound_to("ledger.events")
    with kombu.Connection(broker.uri) as conn:
        topology.declare_unrouted(conn)
        kombu.Queue(topology.UNROUTED, channel=conn.channel()).purge()
        topology.declare_subscriptions(conn, topology.subscriptions(Tally))

    container_factory(Ledger, ledger_config).start()
    with ServiceRpcProxy("ledger", ledger_config) as ledger:
        ledger.record(21)
    queue = "evt-ledger-EntryRecorded--tally.on_entry"
    assert wait_until(lambda: broker.queue_depth(queue) == 1, timeout=10)
    assert take_unrouted(broker) is None

    container_factory(Tally, tally_config).start()  # the subscriber comes up later
    assert wait_until(lambda: [r[1] for r in tallied(tally_config["DATABASE_URL"])] == [21])
