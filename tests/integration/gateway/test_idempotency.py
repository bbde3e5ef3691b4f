"""Idempotency-Key on writes, kept in Redis."""
import uuid

import eventlet


def test_a_retry_replays_the_first_response(gateway, echo_log):
    key, message = str(uuid.uuid4()), f"once {uuid.uuid4()}"
    first = gateway.post("/api/v1/echo", json={"message": message},
                         headers={"Idempotency-Key": key})
    again = gateway.post("/api/v1/echo", json={"message": message},
                         headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content  # same received_at: not run again
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert len([c for c in echo_log.calls if c["message"] == message]) == 1


def test_the_same_key_with_another_body_is_422(gateway):
    key = str(uuid.uuid4())
    assert gateway.post("/api/v1/echo", json={"message": "a"},
                        headers={"Idempotency-Key": key}).status_code == 200
    response = gateway.post("/api/v1/echo", json={"message": "b"},
                            headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_belong_to_one_client(gateway, bearer):
    key = str(uuid.uuid4())
    anonymous = gateway.post("/api/v1/echo", json={"message": "x"},
                             headers={"Idempotency-Key": key})
    staff = gateway.post("/api/v1/echo", json={"message": "x"},
                         headers={"Idempotency-Key": key, **bearer(["crew"])})
    assert anonymous.status_code == staff.status_code == 200
    assert "Idempotent-Replayed" not in staff.headers


def test_a_duplicate_in_flight_is_409(gateway):
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    # "slow 0.5" keeps the first request running while the second arrives
    first = eventlet.spawn(gateway.post, "/api/v1/echo", json={"message": "slow 0.5"},
                           headers=headers)
    eventlet.sleep(0.2)
    second = gateway.post("/api/v1/echo", json={"message": "slow 0.5"}, headers=headers)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "idempotency_in_progress"
    assert second.headers["Retry-After"] == "1"
    assert first.wait().status_code == 200


def test_validation_errors_do_not_spend_the_key(gateway):
    key = str(uuid.uuid4())
    bad = gateway.post("/api/v1/echo", json={"message": ""}, headers={"Idempotency-Key": key})
    assert bad.status_code == 400
    good = gateway.post("/api/v1/echo", json={"message": "fixed"},
                        headers={"Idempotency-Key": key})
    assert good.status_code == 200 and "Idempotent-Replayed" not in good.headers


def test_server_errors_free_the_key_for_a_retry(gateway):
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    assert gateway.post("/api/v1/echo", json={"message": "crash"},
                        headers=headers).status_code == 500
    retry = gateway.post("/api/v1/echo", json={"message": "crash"}, headers=headers)
    assert retry.status_code == 500 and "Idempotent-Replayed" not in retry.headers


def test_a_malformed_key_is_400(gateway):
    response = gateway.post("/api/v1/echo", json={"message": "x"},
                            headers={"Idempotency-Key": "k" * 300})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


def test_records_expire(gateway, redis_client):
    key = str(uuid.uuid4())
    gateway.post("/api/v1/echo", json={"message": "ttl"}, headers={"Idempotency-Key": key})
    prefix = gateway.config["REDIS_PREFIX"]
    ttls = [redis_client.ttl(k) for k in redis_client.scan_iter(f"{prefix}:idem:*")]
    assert ttls and all(23 * 3600 < t <= 24 * 3600 for t in ttls)
