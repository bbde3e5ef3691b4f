"""Staff sign-in: bearer tokens, API keys, roles."""
import base64
import json
import logging
import re
import sys
import time
import types

import jwt
import pytest
import requests
import yaml
from nameko.cli.main import setup_yaml_parser

from gateway.auth import tokens
from gateway.service import GatewayService

from .conftest import API_KEY, gateway_config


def unsigned_token(roles):
    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    now = int(time.time())
    claims = {"sub": "x", "roles": roles, "iss": "townhall-test",
              "aud": "townhall-gateway-test", "iat": now, "exp": now + 60}
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def test_staff_me_returns_who_the_token_names(gateway, bearer):
    response = gateway.get("/api/v1/staff/me", headers=bearer(["crew", "caseworker"]))
    assert response.status_code == 200
    assert response.json() == {"sub": "crew-7", "roles": ["caseworker", "crew"],
                               "auth": "bearer"}
    assert response.headers["Cache-Control"] == "no-store"


def test_no_credentials_is_401_with_a_bearer_challenge(gateway):
    response = gateway.get("/api/v1/staff/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("case", ["expired", "wrong-audience", "wrong-issuer",
                                  "bad-signature", "alg-none", "no-exp"])
def test_bad_tokens_are_401_invalid_token(gateway, make_token, case):
    now = int(time.time())
    token = {
        "expired": lambda: make_token(["crew"], exp=now - 10, iat=now - 100),
        "wrong-audience": lambda: make_token(["crew"], aud="another-api"),
        "wrong-issuer": lambda: make_token(["crew"], iss="https://attacker.example"),
        "bad-signature": lambda: make_token(
            ["crew"], key="a-different-key-that-is-long-enough-for-hs256"),
        "alg-none": lambda: unsigned_token(["supervisor"]),
        "no-exp": lambda: make_token(["crew"], exp=None),
    }[case]()
    response = gateway.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json()["error"]["code"] == "invalid_token"


def test_wrong_role_is_403(gateway, bearer):
    response = gateway.get("/api/v1/ops/parked", headers=bearer(["crew", "caseworker"]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_rs256_gateway_refuses_hs256_tokens(start_gateway, make_token, tmp_path):
    key = tokens.generate_rsa_key()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(tokens.jwks_for(key, "k1")))
    gw = start_gateway(AUTH_JWKS=str(jwks))
    # signed with the dev key the gateway still has in its config
    hs = make_token(["crew"])
    assert gw.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {hs}"}).status_code == 401
    rs = tokens.mint(sub="crew-9", roles=["crew"], issuer="townhall-test",
                     audience="townhall-gateway-test", key=key, algorithm="RS256", kid="k1")
    response = gw.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {rs}"})
    assert response.status_code == 200 and response.json()["sub"] == "crew-9"


def test_api_keys_authenticate_by_hash(gateway):
    # an API client is not staff: recognised (403), unlike an unknown key (401)
    assert gateway.get("/api/v1/staff/me", headers={"X-Api-Key": API_KEY}).status_code == 403
    unknown = gateway.get("/api/v1/staff/me", headers={"X-Api-Key": "th_guess"})
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == "The API key is not recognised"


@pytest.fixture
def fake_dlq(monkeypatch):
    seen = {}

    def list_parked(uri=None, limit=100, queue=None):
        seen.update(uri=uri, limit=limit)
        return [{"id": "e-1", "queue": "notify.report-filed", "event_type": "ReportFiled",
                 "error": "KeyError: 'email'", "attempts": 5,
                 "parked_at": "2030-01-01T10:00:00+00:00", "source": "bins",
                 "correlation_id": "c-1", "unexpected": "not shown"}][:limit]

    module = types.ModuleType("services.kit.dlq")
    module.list_parked = list_parked
    monkeypatch.setitem(sys.modules, "services.kit.dlq", module)
    return seen


def test_supervisor_lists_parked_messages(gateway, bearer, fake_dlq):
    response = gateway.get("/api/v1/ops/parked?limit=5",
                           headers=bearer(["supervisor"], sub="sup-1"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["event_type"] == "ReportFiled"
    assert "unexpected" not in body["items"][0]
    assert fake_dlq == {"uri": gateway.config["AMQP_URI"], "limit": 5}


def test_parked_page_size_is_capped(gateway, bearer, fake_dlq):
    response = gateway.get("/api/v1/ops/parked?limit=5000", headers=bearer(["supervisor"]))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"limit": ["Ask for between 1 and 100 items"]}


def test_parked_listing_unavailable_is_503(gateway, bearer, monkeypatch):
    monkeypatch.setitem(sys.modules, "services.kit.dlq", None)
    response = gateway.get("/api/v1/ops/parked", headers=bearer(["supervisor"]))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_a_gateway_with_no_key_configured_refuses_the_old_default(
        main_scenario, gw_containers, monkeypatch, caplog):
    for var in ("AUTH_JWKS", "AUTH_DEV_SIGNING_KEY", "GATEWAY_SECRET_KEY",
                "AUTH_ISSUER", "AUTH_AUDIENCE"):
        monkeypatch.delenv(var, raising=False)
    setup_yaml_parser()
    with open(tokens.DEFAULT_CONFIG, encoding="utf-8") as fh:
        shipped = yaml.safe_load(fh)
    keys = ("AUTH_JWKS", "AUTH_DEV_SIGNING_KEY", "SECRET_KEY", "AUTH_ISSUER",
            "AUTH_AUDIENCE")
    config = gateway_config(main_scenario.amqp_uri, main_scenario.exchange,
                            **{k: shipped[k] for k in keys})
    with caplog.at_level(logging.WARNING):
        gw_containers.start(GatewayService, config)
    url = "http://" + config["WEB_SERVER_ADDRESS"]

    now = int(time.time())
    forged = jwt.encode(
        {"sub": "mallory", "roles": ["supervisor"], "iat": now, "exp": now + 60,
         "iss": shipped["AUTH_ISSUER"], "aud": shipped["AUTH_AUDIENCE"]},
        "development-only-signing-key-never-use-in-production", algorithm="HS256")
    response = requests.get(url + "/api/v1/staff/me", timeout=5,
                            headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"

    def warned(logger):
        return [r for r in caplog.records if r.name == logger and r.levelno == logging.WARNING]
    assert len(warned("gateway.auth")) == 1
    assert len(warned("gateway.csrf")) == 1

    # forms still work, with the random CSRF key made at start
    browser = requests.Session()
    page = browser.get(url + "/start", timeout=5)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    sent = browser.post(url + "/start", data={"csrf_token": token, "need": "missed-bin"},
                        allow_redirects=False, timeout=5)
    assert sent.status_code == 303
