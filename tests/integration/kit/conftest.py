import pathlib
import time

import kombu
import pytest

from services.kit.migrate import KIT_MIGRATIONS
from tests.conftest import service_config, truncate

HERE = pathlib.Path(__file__).parent
DIRS = [str(KIT_MIGRATIONS), str(HERE / "migrations")]


@pytest.fixture(scope="session")
def ledger_url(make_database):
    return make_database("ledger", DIRS)


@pytest.fixture(scope="session")
def tally_url(make_database):
    return make_database("tally", DIRS)


@pytest.fixture
def ledger_db(ledger_url):
    truncate(ledger_url, "entries", "outbox", "inbox")
    return ledger_url


@pytest.fixture
def tally_db(tally_url):
    truncate(tally_url, "tallied", "outbox", "inbox")
    return tally_url


@pytest.fixture
def ledger_config(broker, ledger_db):
    return service_config(broker, ledger_db)


@pytest.fixture
def tally_config(broker, tally_db):
    return service_config(broker, tally_db)


class Subscriber:
    """A plain queue bound to an event, declared before anything publishes."""

    def __init__(self, uri, exchange, routing_key, name):
        self.conn = kombu.Connection(uri)
        exchange = kombu.Exchange(exchange, type="topic", durable=True)
        self.queue = kombu.Queue(name, exchange=exchange, routing_key=routing_key,
                                 auto_delete=False, durable=False)(self.conn.channel())
        self.queue.declare()
        self.queue.purge()

    def collect(self, expected, timeout=5.0, settle=0.0):
        """Messages received until `expected` arrive (then `settle` seconds
        more, to catch duplicates) or `timeout` passes."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(got) < expected:
            message = self.queue.get(no_ack=True, accept=["json"])
            if message is None:
                time.sleep(0.02)
                continue
            got.append(message)
        end = time.monotonic() + settle
        while time.monotonic() < end:
            message = self.queue.get(no_ack=True, accept=["json"])
            if message is None:
                time.sleep(0.02)
            else:
                got.append(message)
        return got

    def close(self):
        self.queue.delete()
        self.conn.release()


@pytest.fixture
def subscriber(broker, request):
    made = []

    def make(exchange="ledger.events", routing_key="EntryRecorded"):
        s = Subscriber(broker.uri, exchange, routing_key,
                       f"test-{request.node.name[:60]}-{len(made)}")
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
