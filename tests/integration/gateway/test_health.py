"""GET /healthz asks every service at once and never hangs."""
import time


def test_all_services_answer(gateway):
    response = gateway.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"bins", "housing", "bookings", "notify"}
    assert body["services"]["bins"]["checks"] == {"database": "ok", "broker": "ok"}
    assert body["services"]["notify"]["service"] == "notify"


def test_an_absent_service_is_named_within_two_seconds(new_scenario):
    scenario = new_scenario()
    scenario.services("housing", "bookings", "notify")
    gw = scenario.gateway()
    started = time.monotonic()
    response = gw.get("/healthz")
    assert time.monotonic() - started < 2.0
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["bins"]
    assert body["services"]["bins"]["status"] == "unavailable"
    assert "bins" in body["error"]["message"]
    assert body["services"]["housing"]["status"] == "ok"


def test_a_stopped_service_is_named_within_two_seconds(new_scenario):
    scenario = new_scenario()
    scenario.services("housing", "bookings", "notify")
    bins = scenario.service("bins")
    # a short deadline here also proves the configured one is used
    gw = scenario.gateway(HEALTH_TIMEOUT_SECONDS=1.5)
    assert gw.get("/healthz").status_code == 200

    bins.kill()
    # its queue is still there, so this is a real wait for a reply, not a
    # quick "unknown service"
    started = time.monotonic()
    response = gw.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert 1.4 < elapsed < 2.0
    assert response.json()["down"] == ["bins"]
    assert "did not answer in time" in response.json()["services"]["bins"]["error"]


def test_degraded_counts_as_down(new_scenario):
    scenario = new_scenario()
    scenario.services("bins", "housing", "notify")
    scenario.service("bookings", status="degraded")
    response = scenario.gateway().get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["bookings"]
    assert response.json()["services"]["bookings"]["status"] == "degraded"
