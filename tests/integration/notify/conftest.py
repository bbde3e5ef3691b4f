"""The notify service in-process against a real database, broker, SMTP
server and a strict stand-in for GOV.UK Notify; the owners of contact
details (bins, housing, bookings) are small stand-in services answering
`notification_facts` from a table the test fills; and a way to publish
their events as they would."""
import uuid

import kombu
import pytest
from nameko.rpc import rpc

from services.bins.contract import CATALOGUE as BINS_EVENTS
from services.bookings.contract import CATALOGUE as BOOKINGS_EVENTS
from services.housing.contract import CATALOGUE as HOUSING_EVENTS
from services.kit import topology
from services.kit.migrate import migration_dirs
from services.notify import contract as notify_contract
from services.notify.service import NotifyService
from tests.conftest import query, service_config, truncate  # noqa: F401 (query: for tests)
from tests.support.contracts import checked_service
from tests.support.fake_notify import FakeNotify
from tests.support.listener import event_listeners
from tests.support.smtp_server import SmtpServer

FACTS = {}  # subject id -> facts, as the owner would answer


class FactsNotFound(Exception):
    pass


def _answer(subject_id, with_calendar=False):
    facts = FACTS.get(subject_id)
    if facts is None:
        raise FactsNotFound("no such record")
    return facts


class BinsOwner:
    name = "bins"

    @rpc
    def notification_facts(self, report_id):
        return _answer(report_id)


class HousingOwner:
    name = "housing"

    @rpc
    def notification_facts(self, case_id):
        return _answer(case_id)


class BookingsOwner:
    name = "bookings"

    @rpc
    def notification_facts(self, booking_id, with_calendar=False):
        return _answer(booking_id, with_calendar)


OWNERS = {"bins": BinsOwner, "housing": HousingOwner, "bookings": BookingsOwner}
CATALOGUES = {"bins": BINS_EVENTS, "housing": HOUSING_EVENTS, "bookings": BOOKINGS_EVENTS}


@pytest.fixture(scope="session")
def notify_db(make_database):
    return make_database("notify", migration_dirs("notify"))


@pytest.fixture(scope="session")
def notify_topology(broker):
    topology.ensure(broker.uri, services=("notify",))
    return broker


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def fake_notify():
    with FakeNotify() as fake:
        yield fake


@pytest.fixture
def notify_config(notify_db, notify_topology, smtp, fake_notify):
    truncate(notify_db, "timeline_codes", "timeline", "messages", "outbox", "inbox")
    FACTS.clear()
    return service_config(
        notify_topology, notify_db, SECRET_KEY="notify-test-secret",
        NOTIFY_EMAIL_PROVIDER="smtp", SMTP_HOST=smtp.host, SMTP_PORT=smtp.port,
        SMTP_SENDER="noreply@council.example", SMTP_TIMEOUT=5,
        NOTIFY_SMS_PROVIDER="notify", NOTIFY_API_KEY=fake_notify.api_key,
        NOTIFY_BASE_URL=fake_notify.base_url,
        NOTIFY_SMS_TEMPLATE_ID=fake_notify.sms_template_id,
        NOTIFY_EMAIL_TEMPLATE_ID=fake_notify.email_template_id, NOTIFY_TIMEOUT=1,
        PUBLIC_URL="https://council.example", SEND_MAX_ATTEMPTS=3,
        SEND_BACKOFF_SECONDS=0.1, SEND_SWEEP_SECONDS=0.1, SEND_LEASE_SECONDS=2,
        OWNER_TIMEOUT_SECONDS=2, FORGET_SWEEP_SECONDS=3600)


@pytest.fixture
def owners(container_factory, notify_config):
    """Starts the stand-in owners; returns a function to start one later."""
    def start(*names):
        for name in names:
            container = container_factory(OWNERS[name], notify_config)
            container.start()
    return start


@pytest.fixture
def notify(container_factory, notify_config):
    # every reply the contract describes is checked against it
    with checked_service(container_factory, NotifyService, notify_config,
                         notify_contract.REPLIES) as proxy:
        yield proxy


@pytest.fixture
def publish(notify_topology):
    """publish("bins", "ReportFiled", data) as the owner would: returns the
    envelope."""
    conn = kombu.Connection(notify_topology.uri)
    producer = conn.Producer()

    def send(service, event_type, data, event_id=None):
        envelope = CATALOGUES[service].build(event_type, data, correlation_id="test")
        if event_id:
            envelope["event_id"] = event_id
        exchange = kombu.Exchange(f"{service}.events", type="topic", durable=True)
        producer.publish(envelope, exchange=exchange, routing_key=event_type,
                         serializer="json", declare=[exchange])
        return envelope

    yield send
    conn.release()


@pytest.fixture
def listen(notify_topology, request):
    with event_listeners(notify_topology.uri, "notify", request.node.name) as make:
        yield make


def new_id():
    return str(uuid.uuid4())
