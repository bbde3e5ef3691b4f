import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from gateway.auth import tokens
from gateway.auth.credentials import Authenticator, TokenVerifier, hash_api_key
from gateway.auth.roles import API_CLIENT, CREW, SUPERVISOR, require_roles
from gateway.web.errors import Forbidden, Unauthorized

ISS, AUD = "townhall-test", "townhall-gateway-test"
DEV_KEY = "unit-test-signing-key-that-is-long-enough-for-hs256"


def claims(**overrides):
    now = int(time.time())
    base = {"sub": "crew-7", "roles": [CREW], "iss": ISS, "aud": AUD,
            "iat": now, "exp": now + 600}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(payload, key=DEV_KEY, headers=None):
    return jwt.encode(payload, key, algorithm="HS256", headers=headers)


def unsigned(payload):
    """A token with alg none, built by hand as an attacker would."""
    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


@pytest.fixture
def dev_verifier():
    return TokenVerifier(issuer=ISS, audience=AUD, dev_signing_key=DEV_KEY, leeway=0)


@pytest.fixture(scope="module")
def rsa_setup(tmp_path_factory):
    key = tokens.generate_rsa_key()
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps(tokens.jwks_for(key, "k1")))
    return key, path


@pytest.fixture
def rs_verifier(rsa_setup):
    _, path = rsa_setup
    # the dev key is set too, to prove it is ignored once a JWKS is configured
    return TokenVerifier(issuer=ISS, audience=AUD, jwks=str(path),
                         dev_signing_key=DEV_KEY, leeway=0)


def rs256(key, payload, kid="k1"):
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def test_dev_mode_accepts_a_good_hs256_token(dev_verifier):
    assert dev_verifier.mode == "HS256"
    assert dev_verifier.verify(hs256(claims()))["sub"] == "crew-7"


@pytest.mark.parametrize("token_factory, message", [
    (lambda: hs256(claims(exp=int(time.time()) - 5)), "expired"),
    (lambda: hs256(claims(aud="someone-else")), "audience"),
    (lambda: hs256(claims(iss="https://evil.example")), "issuer"),
    (lambda: hs256(claims(), key="another-key-of-sufficient-length-for-hs256!"), "signature"),
    (lambda: unsigned(claims()), "algorithm"),
    (lambda: hs256(claims(exp=None)), "exp"),
    (lambda: hs256(claims(iat=None)), "iat"),
    (lambda: hs256(claims(sub=None)), "sub"),
    (lambda: hs256(claims(aud=None)), "aud"),
    (lambda: hs256(claims(iss=None)), "iss"),
    (lambda: "not.a.jwt", "not a valid JWT"),
], ids=["expired", "wrong-aud", "wrong-iss", "bad-signature", "alg-none",
        "no-exp", "no-iat", "no-sub", "no-aud", "no-iss", "garbage"])
def test_dev_mode_rejects(dev_verifier, token_factory, message):
    with pytest.raises(Unauthorized) as info:
        dev_verifier.verify(token_factory())
    assert message in info.value.message
    assert 'error="invalid_token"' in info.value.headers["WWW-Authenticate"]


def test_rs256_mode_accepts_a_token_signed_by_a_jwks_key(rs_verifier, rsa_setup):
    key, _ = rsa_setup
    assert rs_verifier.mode == "RS256"
    assert rs_verifier.verify(rs256(key, claims()))["roles"] == [CREW]


def test_rs256_mode_rejects_hs256_even_with_the_dev_key(rs_verifier):
    with pytest.raises(Unauthorized, match="algorithm"):
        rs_verifier.verify(hs256(claims()))


def test_rs256_mode_rejects_hs256_signed_with_the_public_key(rs_verifier, rsa_setup):
    # the classic key-confusion attack: an HMAC keyed with the public key
    key, _ = rsa_setup
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signing_input = (b64(b'{"alg":"HS256","typ":"JWT","kid":"k1"}') + b"."
                     + b64(json.dumps(claims()).encode()))
    signature = b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
    forged = (signing_input + b"." + signature).decode()
    with pytest.raises(Unauthorized, match="algorithm"):
        rs_verifier.verify(forged)


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c.update(exp=int(time.time()) - 5), "expired"),
    (lambda c: c.update(aud="x"), "audience"),
    (lambda c: c.update(iss="x"), "issuer"),
], ids=["expired", "wrong-aud", "wrong-iss"])
def test_rs256_mode_checks_claims(rs_verifier, rsa_setup, mutate, message):
    key, _ = rsa_setup
    payload = claims()
    mutate(payload)
    with pytest.raises(Unauthorized, match=message):
        rs_verifier.verify(rs256(key, payload))


def test_rs256_mode_rejects_alg_none_and_foreign_keys(rs_verifier):
    with pytest.raises(Unauthorized, match="algorithm"):
        rs_verifier.verify(unsigned(claims()))
    stranger = tokens.generate_rsa_key()
    with pytest.raises(Unauthorized, match="signature"):
        rs_verifier.verify(rs256(stranger, claims()))
    with pytest.raises(Unauthorized, match="unknown key"):
        rs_verifier.verify(rs256(stranger, claims(), kid="other"))


def test_no_configuration_accepts_no_token():
    verifier = TokenVerifier(issuer=ISS, audience=AUD)
    with pytest.raises(Unauthorized):
        verifier.verify(hs256(claims()))


def test_authenticator_reads_roles_and_drops_unknown_ones(dev_verifier):
    auth = Authenticator(dev_verifier)
    token = hs256(claims(roles=[SUPERVISOR, "admin"]))
    principal = auth.authenticate({"Authorization": f"Bearer {token}"})
    assert principal.sub == "crew-7"
    assert principal.roles == {SUPERVISOR}
    assert principal.kind == "bearer"
    assert auth.authenticate({}) is None


def test_authenticator_rejects_other_schemes(dev_verifier):
    with pytest.raises(Unauthorized):
        Authenticator(dev_verifier).authenticate({"Authorization": "Basic dXNlcjpwYXNz"})


def test_api_keys_are_matched_by_hash(dev_verifier):
    auth = Authenticator(dev_verifier, [
        {"name": "open311-demo", "sha256": hash_api_key("s3cret-key"), "roles": [API_CLIENT]},
        {"name": "broken", "sha256": "abc", "roles": [SUPERVISOR]},
    ])
    principal = auth.authenticate({"X-Api-Key": "s3cret-key"})
    assert (principal.sub, principal.roles, principal.kind) == (
        "open311-demo", {API_CLIENT}, "api_key")
    with pytest.raises(Unauthorized, match="API key"):
        auth.authenticate({"X-Api-Key": "guess"})


def test_require_roles():
    from gateway.auth.roles import Principal

    with pytest.raises(Unauthorized) as missing:
        require_roles(None, {CREW})
    # no credentials at all: a bare challenge, as RFC 6750 section 3.1 asks
    assert missing.value.headers["WWW-Authenticate"] == 'Bearer realm="townhall"'
    crew = Principal("crew-7", frozenset({CREW}), "bearer")
    assert require_roles(crew, {CREW, SUPERVISOR}) is crew
    with pytest.raises(Forbidden):
        require_roles(crew, {SUPERVISOR})
