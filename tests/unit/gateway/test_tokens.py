import json
import logging
import time

import jwt
import pytest

from gateway.auth import tokens
from gateway.auth.credentials import Authenticator, TokenVerifier, hash_api_key
from gateway.web.errors import Unauthorized

# the signing key config.yaml used to ship with: public, so worthless
OLD_DEFAULT_KEY = "development-only-signing-key-never-use-in-production"


@pytest.fixture
def no_key_anywhere(monkeypatch, tmp_path):
    for var in ("AUTH_JWKS", "AUTH_DEV_SIGNING_KEY", "GATEWAY_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(tokens, "DEV_SECRETS_FILE", tmp_path / "absent.env", raising=False)
    return tmp_path


def test_config_yaml_defaults(monkeypatch, no_key_anywhere):
    for var in ("MAX_BODY_BYTES", "AMQP_URI", "GATEWAY_ADDRESS"):
        monkeypatch.delenv(var, raising=False)
    settings = tokens.load_settings()
    assert settings.max_body_bytes == 64 * 1024
    assert settings.amqp_uri == "amqp://guest:guest@127.0.0.1:5672/"
    assert settings.auth_jwks == ""
    # no committed secrets
    assert settings.auth_dev_signing_key == ""
    assert settings.secret_key == ""
    assert settings.health_services == ("bins", "housing", "bookings", "notify")
    assert settings.health_timeout == 1.5


def test_without_a_key_the_old_default_cannot_sign_in(no_key_anywhere, caplog):
    settings = tokens.load_settings()
    with caplog.at_level(logging.WARNING, logger="gateway.auth"):
        auth = Authenticator.from_settings(settings)
    now = int(time.time())
    forged = jwt.encode({"sub": "mallory", "roles": ["supervisor"], "iat": now,
                         "exp": now + 60, "iss": settings.auth_issuer,
                         "aud": settings.auth_audience}, OLD_DEFAULT_KEY, algorithm="HS256")
    with pytest.raises(Unauthorized) as info:
        auth.authenticate({"Authorization": f"Bearer {forged}"})
    assert info.value.status == 401
    # said once, at start, naming what to set
    [warning] = [r for r in caplog.records if r.name == "gateway.auth"]
    assert "AUTH_JWKS" in warning.getMessage() and "AUTH_DEV_SIGNING_KEY" in warning.getMessage()


def test_cli_reads_the_key_from_dev_secrets(no_key_anywhere, monkeypatch, capsys):
    secrets_file = no_key_anywhere / "dev-secrets.env"
    secrets_file.write_text("AUTH_DEV_SIGNING_KEY=file-key-long-enough-for-hs256-signing\n"
                            "GATEWAY_SECRET_KEY=other\n")
    monkeypatch.setattr(tokens, "DEV_SECRETS_FILE", secrets_file)
    assert tokens.main(["--role", "supervisor", "--sub", "s1"]) == 0
    token = capsys.readouterr().out.strip()
    settings = tokens.load_settings()
    verifier = TokenVerifier(issuer=settings.auth_issuer, audience=settings.auth_audience,
                             dev_signing_key="file-key-long-enough-for-hs256-signing")
    assert verifier.verify(token)["sub"] == "s1"
    # the environment wins over the file, as it does for the gateway
    monkeypatch.setenv("AUTH_DEV_SIGNING_KEY", "env-key-long-enough-for-hs256-signing!")
    tokens.main(["--role", "crew", "--sub", "c1"])
    token = capsys.readouterr().out.strip()
    jwt.decode(token, "env-key-long-enough-for-hs256-signing!", algorithms=["HS256"],
               options={"verify_aud": False})


def test_cli_without_any_key_says_what_to_do(no_key_anywhere):
    with pytest.raises(SystemExit) as info:
        tokens.main(["--role", "crew", "--sub", "crew-7"])
    assert "make up" in str(info.value.code)
    assert "AUTH_DEV_SIGNING_KEY" in str(info.value.code)


def test_secrets_in_config_are_not_reparsed_as_yaml(monkeypatch):
    # a key like "0123" or "no" must stay a string
    monkeypatch.setenv("AUTH_DEV_SIGNING_KEY", "0123")
    assert tokens.load_settings().auth_dev_signing_key == "0123"


def test_cli_mints_a_dev_token_the_gateway_accepts(monkeypatch, capsys):
    monkeypatch.delenv("AUTH_JWKS", raising=False)
    monkeypatch.setenv("AUTH_DEV_SIGNING_KEY", "cli-test-key-long-enough-for-hs256-signing")
    assert tokens.main(["--role", "crew", "--role", "supervisor", "--sub", "crew-7",
                        "--ttl", "60"]) == 0
    token = capsys.readouterr().out.strip()
    settings = tokens.load_settings()
    principal = Authenticator.from_settings(settings).authenticate(
        {"Authorization": f"Bearer {token}"})
    assert principal.sub == "crew-7"
    assert principal.roles == {"crew", "supervisor"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60


def test_cli_refuses_unknown_roles(capsys):
    with pytest.raises(SystemExit):
        tokens.main(["--role", "admin", "--sub", "x"])


def test_keygen_writes_a_jwks_that_verifies_rs256_tokens(tmp_path, monkeypatch, capsys):
    assert tokens.main(["keygen", "--out-dir", str(tmp_path), "--kid", "k-test"]) == 0
    key_file, jwks_file = tmp_path / "private.pem", tmp_path / "jwks.json"
    assert key_file.stat().st_mode & 0o077 == 0
    jwks = json.loads(jwks_file.read_text())
    assert jwks["keys"][0]["kid"] == "k-test" and "d" not in jwks["keys"][0]

    monkeypatch.setenv("AUTH_JWKS", str(jwks_file))
    capsys.readouterr()
    tokens.main(["--private-key", str(key_file), "--kid", "k-test",
                 "--role", "caseworker", "--sub", "cw-1"])
    token = capsys.readouterr().out.strip()
    settings = tokens.load_settings()
    verifier = TokenVerifier(issuer=settings.auth_issuer, audience=settings.auth_audience,
                             jwks=settings.auth_jwks)
    assert verifier.verify(token)["sub"] == "cw-1"


def test_minting_without_the_private_key_fails_under_jwks(tmp_path, monkeypatch):
    tokens.main(["keygen", "--out-dir", str(tmp_path)])
    monkeypatch.setenv("AUTH_JWKS", str(tmp_path / "jwks.json"))
    with pytest.raises(SystemExit, match="private-key"):
        tokens.main(["--role", "crew", "--sub", "crew-7"])


def test_api_key_command_prints_the_hash_to_configure(capsys):
    tokens.main(["api-key", "--name", "open311-demo"])
    out = capsys.readouterr().out
    key = out.split("client): ")[1].split()[0]
    entry = json.loads(out.split("AUTH_API_KEYS: ")[1])
    assert entry == {"name": "open311-demo", "sha256": hash_api_key(key),
                     "roles": ["api_client"]}


def test_config_yaml_logging_matches_the_kit(monkeypatch):
    import yaml
    from nameko.cli.main import setup_yaml_parser

    from services.kit.logs import logging_config

    monkeypatch.delenv("LOG_LEVEL", raising=False)
    setup_yaml_parser()
    with open(tokens.DEFAULT_CONFIG, encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    assert config["LOGGING"] == logging_config("gateway")
    assert config["WEB_SERVER_ADDRESS"] == "127.0.0.1:8000"
