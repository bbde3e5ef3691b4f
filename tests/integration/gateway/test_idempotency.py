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


def test_a_retry_after_a_timeout_is_409_not_a_second_run(start_gateway, echo_log,
                                                          redis_client):
    gw = start_gateway(IDEMPOTENCY_LOCK_SECONDS=5)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    # the stand-in takes 1.5 s, the gateway waits 1 s: it may still finish
    message = f"slow 1.5 {uuid.uuid4()}"
    first = gw.post("/api/v1/echo", json={"message": message}, headers=headers)
    assert first.status_code == 503
    assert "did not answer in time" in first.json()["error"]["message"]

    retry = gw.post("/api/v1/echo", json={"message": message}, headers=headers)
    assert retry.status_code == 409
    error = retry.json()["error"]
    assert error["code"] == "idempotency_in_progress"
    assert error["message"] == ("Your earlier request is still being processed. "
                                "Try again in a minute")
    assert 1 <= int(retry.headers["Retry-After"]) <= 5
    eventlet.sleep(1)  # the first call has finished on the service's side by now
    assert gw.post("/api/v1/echo", json={"message": message},
                   headers=headers).status_code == 409
    assert len([c for c in echo_log.calls if c["message"] == message]) == 1

    # locked only until the lock TTL runs out, then the client may try again
    [record] = list(redis_client.scan_iter(f"{gw.config['REDIS_PREFIX']}:idem:*"))
    assert 0 < redis_client.ttl(record) <= 5


def test_a_service_that_is_not_running_frees_the_key(new_scenario):
    gw = new_scenario().gateway()
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    for _ in range(2):
        response = gw.post("/api/v1/echo", json={"message": "x"}, headers=headers)
        assert response.status_code == 503
        assert "is not running" in response.json()["error"]["message"]


def test_a_refusal_from_the_service_frees_the_key(gateway, echo_log):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    for _ in range(2):
        response = gateway.post("/api/v1/echo", json={"message": "missing"},
                                headers=headers)
        assert response.status_code == 404
        assert "Idempotent-Replayed" not in response.headers


def test_the_service_gets_a_per_client_idempotency_key(gateway, echo_log, bearer):
    key = str(uuid.uuid4())
    anonymous, staff, plain = (f"{who} {uuid.uuid4()}" for who in ("anon", "staff", "plain"))
    gateway.post("/api/v1/echo", json={"message": anonymous},
                 headers={"Idempotency-Key": key})
    gateway.post("/api/v1/echo", json={"message": staff},
                 headers={"Idempotency-Key": key, **bearer(["crew"])})
    gateway.post("/api/v1/echo", json={"message": plain})
    seen = {c["message"]: c["idempotency_key"] for c in echo_log.calls}
    assert seen[anonymous] and seen[staff] and seen[anonymous] != seen[staff]
    assert key not in (seen[anonymous], seen[staff])  # a digest, not the key in clear
    assert seen[plain] is None
