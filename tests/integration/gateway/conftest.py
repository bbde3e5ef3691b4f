# eventlet must patch before anything else imports socket or threading, or
# the suite hangs.
import eventlet

eventlet.monkey_patch()

import socket  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import jwt  # noqa: E402
import pytest  # noqa: E402
import redis  # noqa: E402
import requests  # noqa: E402
from marshmallow import ValidationError  # noqa: E402
from nameko.containers import get_container_cls  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.rpc import rpc  # noqa: E402

from gateway.auth.credentials import hash_api_key  # noqa: E402
from gateway.service import GatewayService  # noqa: E402
from tests.support.broker import Broker  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/15"
RUN_ID = uuid.uuid4().hex[:10]
DEV_KEY = "integration-test-signing-key-long-enough-for-hs256"
ISSUER, AUDIENCE = "townhall-test", "townhall-gateway-test"
API_KEY = "th_test_api_key_for_open311"
SERVICES = ("bins", "housing", "bookings", "notify")


class Containers:
    """nameko's `container_factory`, but for the whole run: a container's
    AMQP consumer takes about a second to stop, so all are killed together
    at the end instead of one by one after each test."""

    def __init__(self):
        self.all = []

    def start(self, service_cls, config):
        container = get_container_cls(config)(service_cls, config)
        self.all.append(container)
        container.start()
        return container

    def kill_all(self):
        pool = eventlet.GreenPool()
        for container in self.all:
            pool.spawn(container.kill)
        pool.waitall()
        self.all = []


@pytest.fixture(scope="session")
def gw_containers():
    c = Containers()
    yield c
    c.kill_all()


@pytest.fixture(scope="session")
def gw_broker(gw_containers):
    """Fresh vhosts, one per scenario (RPC queues are named after the
    service only, so two scenarios in one vhost would share `rpc-bins`)."""
    b = Broker(prefix=f"townhall-gw-test-{RUN_ID}")
    if not b.reachable():
        pytest.fail("RabbitMQ's management API is not reachable on port 15672")
    yield b
    gw_containers.kill_all()
    b.delete()


@pytest.fixture(scope="session")
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    for key in client.scan_iter(f"townhall:test:gw:{RUN_ID}:*", count=500):
        client.delete(key)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_config(amqp_uri, exchange, **overrides):
    config = {
        "AMQP_URI": amqp_uri,
        "rpc_exchange": exchange,
        "max_workers": 10,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "REDIS_URL": REDIS_URL,
        # each gateway counts rate limits and keeps idempotency records apart
        "REDIS_PREFIX": f"townhall:test:gw:{RUN_ID}:{uuid.uuid4().hex[:8]}",
        "MAX_BODY_BYTES": 1024,
        "RPC_TIMEOUT_SECONDS": 1.0,
        "HEALTH_TIMEOUT_SECONDS": 1.0,
        "AUTH_ISSUER": ISSUER,
        "AUTH_AUDIENCE": AUDIENCE,
        "AUTH_DEV_SIGNING_KEY": DEV_KEY,
        "AUTH_LEEWAY_SECONDS": 0,
        "AUTH_API_KEYS": [{"name": "open311-test", "sha256": hash_api_key(API_KEY),
                           "roles": ["api_client"]}],
        "SECRET_KEY": "integration-test-secret",
        "RATE_LIMIT_ANONYMOUS_WRITES": "1000/minute",
        "RATE_LIMIT_STAFF_WRITES": "1000/minute",
        "HSTS_SECONDS": 0,
    }
    config.update(overrides)
    return config


class Gateway:
    def __init__(self, container, config):
        self.container = container
        self.config = config
        self.url = "http://" + config["WEB_SERVER_ADDRESS"]
        self.port = int(config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1])
        self.http = requests.Session()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 10)
        return self.http.request(method, self.url + path, **kwargs)


class Scenario:
    """One broker scenario: stand-in services and gateways that see them."""

    def __init__(self, gw_broker, gw_containers, echo_log):
        self.amqp_uri, self.exchange = gw_broker.scenario()
        self.containers = gw_containers
        self.echo_log = echo_log

    def service(self, name, status="ok"):
        return self.containers.start(
            make_service(name, self.echo_log, status),
            {"AMQP_URI": self.amqp_uri, "rpc_exchange": self.exchange, "max_workers": 10})

    def services(self, *names, status="ok"):
        return {name: self.service(name, status) for name in names}

    def gateway(self, **overrides):
        config = gateway_config(self.amqp_uri, self.exchange, **overrides)
        return Gateway(self.containers.start(GatewayService, config), config)


@pytest.fixture(scope="session")
def echo_log():
    return EchoLog()


@pytest.fixture(scope="session")
def main_scenario(gw_broker, gw_containers, echo_log, redis_client):
    """All four stand-ins running, shared by the tests that need no more."""
    scenario = Scenario(gw_broker, gw_containers, echo_log)
    scenario.services(*SERVICES)
    return scenario


@pytest.fixture(scope="session")
def gateway(main_scenario):
    return main_scenario.gateway()


@pytest.fixture
def new_scenario(gw_broker, gw_containers, echo_log):
    """new_scenario() -> an empty Scenario of its own."""
    return lambda: Scenario(gw_broker, gw_containers, echo_log)


@pytest.fixture
def start_gateway(main_scenario):
    """start_gateway(**config) -> a gateway of its own beside the four stand-ins."""
    return main_scenario.gateway


# --- stand-ins for the four services ---

class ReportNotFound(Exception):
    pass


class ContextData(DependencyProvider):
    """Lets a stand-in see the context data nameko delivered with a call."""

    def get_dependency(self, worker_ctx):
        return dict(worker_ctx.data)


class EchoLog:
    def __init__(self):
        self.calls = []


def make_service(name, log, status="ok"):
    """A tiny service answering `health` and `echo` like the real ones; echo
    misbehaves on request so the gateway's error mapping can be seen."""

    class StandIn:
        context = ContextData()

        @rpc
        def health(self):
            return {"service": name, "status": status, "instance": f"test:{RUN_ID}",
                    "version": "0.1.0", "uptime_seconds": 1.0,
                    "checks": {"database": "ok", "broker": "ok"}, "outbox_backlog": 0}

        @rpc
        def echo(self, message):
            log.calls.append({"service": name, "message": message,
                              "correlation_id": self.context.get("correlation_id"),
                              "idempotency_key": self.context.get("idempotency_key")})
            if message == "invalid":
                raise ValidationError({"message": ["Say something else"]})
            if message == "missing":
                raise ReportNotFound("There is no report with that reference")
            if message == "crash":
                raise RuntimeError("database password is hunter2")
            if message.startswith("slow"):
                eventlet.sleep(float(message.split()[1]))
            return {"message": message, "service": name}

    StandIn.name = name
    return StandIn


def _token(roles, sub="crew-7", key=DEV_KEY, **overrides):
    now = int(time.time())
    claims = {"sub": sub, "roles": list(roles), "iss": ISSUER, "aud": AUDIENCE,
              "iat": now, "exp": now + 300}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.fixture
def make_token():
    """make_token(roles, sub=..., key=..., **claims) -> an HS256 JWT."""
    return _token


@pytest.fixture
def bearer():
    """bearer(roles, ...) -> an Authorization header for a test token."""
    return lambda roles, **kwargs: {"Authorization": f"Bearer {_token(roles, **kwargs)}"}


# --- the bins journey: a gateway beside an in-memory bins service ---

@pytest.fixture(scope="session")
def bins_state():
    from tests.integration.gateway.fake_bins import BinsState
    return BinsState()


@pytest.fixture(scope="session")
def bins_gateway(gw_broker, gw_containers, echo_log, bins_state, redis_client):
    """A gateway whose `bins` is the fake of fake_bins.py, in a scenario of
    its own (one rpc-bins queue per vhost: the echo stand-in must not share it)."""
    from tests.integration.gateway.fake_bins import make_fake_bins
    scenario = Scenario(gw_broker, gw_containers, echo_log)
    gw_containers.start(make_fake_bins(bins_state), {
        "AMQP_URI": scenario.amqp_uri, "rpc_exchange": scenario.exchange,
        "max_workers": 10})
    return scenario.gateway()


@pytest.fixture
def bins(bins_gateway, bins_state):
    """The bins gateway with the fake's reports and call log emptied."""
    bins_state.reset()
    return bins_gateway
