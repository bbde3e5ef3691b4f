"""The whole platform as `make up` runs it: every service and the gateway in
its own process, talking over a real broker to real databases."""
import signal
import time

import pytest
import requests

from services.kit import topology
from services.kit.migrate import migrate_service
from tests.conftest import database_url_for
from tests.support.stack import running

SERVICES = topology.SERVICES


@pytest.fixture(scope="module")
def stack(broker, tmp_path_factory):
    urls = {}
    for name in SERVICES:
        urls[name] = database_url_for(f"e2e_{name}")
        migrate_service(name, urls[name])
    t0 = time.monotonic()
    with running(broker.uri, urls, tmp_path_factory.mktemp("logs"),
                 GATEWAY_REDIS_PREFIX=f"townhall:e2e:{broker.vhost}") as s:
        print(f"platform healthy in {time.monotonic() - t0:.1f}s")
        yield s


def test_every_service_reports_healthy_through_the_gateway(stack):
    resp = requests.get(stack.base_url + "/healthz", timeout=5)
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert set(body["services"]) == set(SERVICES)
    for name, report in body["services"].items():
        assert report["service"] == name
        assert report["checks"]["database"] == "ok"
        assert report["outbox_backlog"] == 0


def test_request_id_comes_back_and_errors_have_one_shape(stack):
    resp = requests.post(stack.base_url + "/api/v1/echo", json={"message": "hi"},
                         headers={"X-Request-Id": "e2e-req-123"}, timeout=5)
    assert resp.status_code == 200
    assert resp.json()["message"] == "hi"
    assert resp.headers["X-Request-Id"] == "e2e-req-123"

    bad = requests.post(stack.base_url + "/api/v1/echo", json={"message": ""}, timeout=5)
    assert bad.status_code == 400
    assert "message" in bad.json()["error"]["fields"]
    assert "Traceback" not in bad.text


def test_a_stopped_service_shows_on_healthz_within_two_seconds(stack):
    stack.stop("notify", sig=signal.SIGKILL)
    try:
        started = time.monotonic()
        resp = requests.get(stack.base_url + "/healthz", timeout=5)
        elapsed = time.monotonic() - started
        assert resp.status_code == 503
        assert elapsed < 2.0
        body = resp.json()
        assert "notify" in body["error"]["message"]
        assert body["down"] == ["notify"]
        assert body["services"]["bins"]["status"] == "ok"
    finally:
        stack.start("notify")
        stack.wait_healthy()
