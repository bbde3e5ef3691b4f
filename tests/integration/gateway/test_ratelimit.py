"""Writes are rate-limited per client, in Redis."""


def test_anonymous_writes_over_the_limit_get_429(start_gateway):
    gw = start_gateway(RATE_LIMIT_ANONYMOUS_WRITES="3/minute")
    statuses = [gw.post("/api/v1/echo", json={"message": f"m{i}"}).status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = gw.post("/api/v1/echo", json={"message": "again"})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    # reads are not limited
    assert gw.get("/livez").status_code == 200


def test_each_staff_member_has_their_own_allowance(start_gateway, bearer):
    gw = start_gateway(RATE_LIMIT_ANONYMOUS_WRITES="1/minute",
                       RATE_LIMIT_STAFF_WRITES="2/minute")
    crew7, crew8 = bearer(["crew"], sub="crew-7"), bearer(["crew"], sub="crew-8")
    assert [gw.post("/api/v1/echo", json={"message": "x"}, headers=crew7).status_code
            for _ in range(3)] == [200, 200, 429]
    assert gw.post("/api/v1/echo", json={"message": "x"}, headers=crew8).status_code == 200
    # the anonymous allowance is separate again
    assert gw.post("/api/v1/echo", json={"message": "x"}).status_code == 200
    assert gw.post("/api/v1/echo", json={"message": "x"}).status_code == 429
