import pathlib

import kombu
import pytest

from services.kit.migrate import KIT_MIGRATIONS
from tests.conftest import service_config, truncate
from tests.support.listener import Listener

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
    # Events an earlier test left queued for the tally must not reach this one.
    with kombu.Connection(broker.uri) as conn:
        try:
            kombu.Queue("evt-ledger-EntryRecorded--tally.on_entry",
                        channel=conn.channel()).purge()
        except conn.channel_errors:
            pass  # not declared yet
    return service_config(broker, tally_db)


@pytest.fixture
def subscriber(broker, request):
    made = []

    def make(exchange="ledger.events", routing_key="EntryRecorded"):
        s = Listener(broker.uri, f"test-{request.node.name[:60]}-{len(made)}",
                     kombu.Exchange(exchange, type="topic", durable=True), routing_key)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


