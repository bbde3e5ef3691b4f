"""A bookings database with the demo offices, a pinned clock, listeners for
the bookings events and a way to publish housing's CaseTriaged, on the
run's private vhost."""
import datetime as dt
import uuid

import kombu
import pytest

from services.bookings import contract as bookings_contract
from services.bookings.service import BookingsService
from services.housing.contract import CATALOGUE as HOUSING_EVENTS
from services.kit import topology
from services.kit.migrate import migration_dirs
from tests.conftest import query, service_config, truncate  # noqa: F401 (query: for tests)
from tests.support.bookings_stack import save_demo
from tests.support.clock import Clock
from tests.support.contracts import checked_service
from tests.support.listener import event_listeners
from tests.support.waiting import wait_until

CLOCK = Clock()


@pytest.fixture(scope="session")
def bookings_db(make_database):
    url = make_database("bookings", migration_dirs("bookings"))
    save_demo(url)
    return url


@pytest.fixture(scope="session")
def bookings_topology(broker):
    topology.ensure(broker.uri, services=("bookings", "housing"))
    return broker


def bookings_settings(broker, url, **extra):
    return service_config(broker, url, CLOCK="tests.integration.bookings.conftest:CLOCK.now",
                          SECRET_KEY="bookings-test-secret", HOLD_SWEEP_SECONDS=3600,
                          REMINDER_SWEEP_SECONDS=3600, **extra)


@pytest.fixture
def bookings_config(bookings_db, bookings_topology):
    truncate(bookings_db, "reminders", "waitlist", "bookings", "ring_fences", "slots",
             "cases", "outbox", "inbox")
    # Tuesday 1 December 2026, 08:00
    CLOCK.set(2026, 12, 1, 8, 0)
    return bookings_settings(bookings_topology, bookings_db)


@pytest.fixture
def bookings(container_factory, bookings_config):
    # every reply the contract describes is checked against it
    with checked_service(container_factory, BookingsService, bookings_config,
                         bookings_contract.REPLIES) as proxy:
        yield proxy


@pytest.fixture
def listen(bookings_topology, request):
    with event_listeners(bookings_topology.uri, "bookings", request.node.name) as make:
        yield make


@pytest.fixture
def triaged(bookings_topology):
    """triaged("high") publishes housing's CaseTriaged, as housing would:
    returns the event's data."""
    conn = kombu.Connection(bookings_topology.uri)
    producer = conn.Producer()
    exchange = kombu.Exchange("housing.events", type="topic", durable=True)

    def publish(urgency, event_id=None, **changes):
        data = {"case_id": str(uuid.uuid4()), "reference": f"HL-T{uuid.uuid4().hex[:3].upper()}-00",
                "route": "self", "urgency": urgency,
                "duty": {"emergency": "relief", "high": "relief"}.get(urgency, "prevention"),
                "priority_need": [], "respond_by": CLOCK.today().isoformat(),
                "appointment_type": None, "questionnaire_version": 1,
                "triaged_at": CLOCK.now().isoformat(), **changes}
        envelope = HOUSING_EVENTS.build("CaseTriaged", data, correlation_id="test")
        if event_id:
            envelope["event_id"] = event_id
        producer.publish(envelope, exchange=exchange, routing_key="CaseTriaged",
                         serializer="json", declare=[exchange])
        return data

    yield publish
    conn.release()


def wait_for_case(url, reference, timeout=5.0):
    """Waits until bookings has heard of the case (CaseTriaged)."""
    return wait_until(lambda: query(url, "SELECT 1 FROM cases WHERE reference = %s", reference),
                      timeout, what=f"bookings to hear of case {reference}")


LOCAL = dt.timezone.utc
