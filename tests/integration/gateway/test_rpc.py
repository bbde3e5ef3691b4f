"""POST /api/v1/echo: the HTTP -> RPC round trip and its error mapping."""
import time
import uuid


def test_echo_round_trip(gateway, echo_log):
    message = f"hello {uuid.uuid4()}"
    response = gateway.post("/api/v1/echo", json={"message": message})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == message and body["service"] == "bins"
    assert body["received_at"].endswith("+00:00")
    assert set(body) == {"message", "service", "received_at"}


def test_the_correlation_id_reaches_the_service(gateway, echo_log):
    rid = f"trace-{uuid.uuid4().hex}"
    message = f"traced {uuid.uuid4()}"
    response = gateway.post("/api/v1/echo", json={"message": message},
                            headers={"X-Request-Id": rid})
    assert response.headers["X-Request-Id"] == rid
    [call] = [c for c in echo_log.calls if c["message"] == message]
    assert call["correlation_id"] == rid


def test_remote_validation_error_is_400_with_fields(gateway):
    response = gateway.post("/api/v1/echo", json={"message": "invalid"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"message": ["Say something else"]}


def test_remote_not_found_is_404_with_its_message(gateway):
    response = gateway.post("/api/v1/echo", json={"message": "missing"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "There is no report with that reference"


def test_unexpected_remote_error_is_a_bare_500(gateway):
    response = gateway.post("/api/v1/echo", json={"message": "crash"})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert error["correlation_id"] == response.headers["X-Request-Id"]
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert "Traceback" not in response.text


def test_a_slow_service_is_503_after_the_rpc_timeout(gateway):
    started = time.monotonic()
    response = gateway.post("/api/v1/echo", json={"message": "slow 3"})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert 0.9 < elapsed < 2.0  # RPC_TIMEOUT_SECONDS is 1 in these tests
    error = response.json()["error"]
    assert error["service"] == "bins" and "bins" in error["message"]


def test_an_absent_service_is_503_at_once(new_scenario):
    gw = new_scenario().gateway()
    started = time.monotonic()
    response = gw.post("/api/v1/echo", json={"message": "anyone there?"})
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    assert response.json()["error"]["message"].startswith("The bins service is not running")


def test_a_timed_out_request_is_not_run_later(new_scenario, echo_log):
    scenario = new_scenario()
    gw = scenario.gateway()
    # bins is down but its queue exists, as after a crash
    scenario.service("bins").kill()
    message = f"late {uuid.uuid4()}"
    assert gw.post("/api/v1/echo", json={"message": message}).status_code == 503
    time.sleep(0.3)  # past the 1 s TTL the request was published with
    scenario.service("bins")  # comes back
    # a request sent after it: once answered, the late one would have been too
    after = f"after {uuid.uuid4()}"
    assert gw.post("/api/v1/echo", json={"message": after}).status_code == 200
    assert not [c for c in echo_log.calls if c["message"] == message]
