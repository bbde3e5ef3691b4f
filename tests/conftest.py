# eventlet must patch before anything imports socket or threading, or the
# suite hangs; nameko's pytest plugin no longer does it for us.
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import urllib.parse  # noqa: E402

import psycopg2  # noqa: E402
import psycopg2.extras  # noqa: E402
import pytest  # noqa: E402

from services.kit import config, migrate  # noqa: E402
from tests.support.broker import Broker  # noqa: E402

# The bins, housing, bookings and notify journeys' processes, shared by
# tests/integration, tests/e2e and tests/browser.
pytest_plugins = ["tests.support.bins_stack", "tests.support.housing_stack",
                  "tests.support.bookings_stack", "tests.support.notify_stack"]

@pytest.fixture(scope="session")
def broker():
    b = Broker()
    if not b.reachable():
        pytest.fail("RabbitMQ's management API is not reachable on port 15672: "
                    "run `make up` or `rabbitmq-plugins enable rabbitmq_management`")
    b.create()
    yield b
    b.delete()


# Two checkouts may run their suites side by side on one server: each names
# its databases with its own prefix.
DATABASE_PREFIX = os.environ.get("TOWNHALL_TEST_DB_PREFIX", "townhall_test")


def database_url_for(name):
    base = urllib.parse.urlsplit(config.database_url("kit"))
    return (f"postgresql://townhall_test@{base.hostname}:{base.port or 5432}/"
            f"{DATABASE_PREFIX}_{name}")


@pytest.fixture(scope="session")
def make_database():
    """Creates a fresh database for a test run and applies migrations."""
    made = []

    def make(name, dirs):
        url = database_url_for(name)
        migrate.create_database(url, drop_first=True)
        migrate.apply_migrations(url, dirs)
        made.append(url)
        return url

    yield make


def truncate(url, *tables):
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY")
    finally:
        conn.close()


def query(url, sql, *args):
    """Rows of one statement as dicts (None for a statement with no rows)."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(sql, args or None)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def service_config(broker, database_url=None, **extra):
    cfg = {
        "AMQP_URI": broker.uri,
        "max_workers": 4,
        "OUTBOX_SWEEP_SECONDS": 0.2,
        "EVENT_RETRY_DELAYS": [0.2, 0.4, 0.8, 1.6],
    }
    if database_url:
        cfg["DATABASE_URL"] = database_url
    cfg.update(extra)
    return cfg


os.environ.setdefault("TOWNHALL_TESTING", "1")
