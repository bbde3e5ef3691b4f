"""Staff tokens and API keys for development and production-like setups.

    townhall-token --role crew --sub crew-7 [--ttl 3600]
        prints a JWT the gateway accepts, signed with the development key:
        AUTH_DEV_SIGNING_KEY from the environment, else from
        var/dev-secrets.env (written by `make up`, which gives the gateway
        the same file); with --private-key it signs RS256 instead, for a
        JWKS setup.
    townhall-token keygen --out-dir var/auth [--kid KID]
        writes an RSA private key and the matching JWKS file; point
        AUTH_JWKS at the JWKS file.
    townhall-token api-key --name open311-demo [--role api_client]
        prints a new API key and the AUTH_API_KEYS entry (its SHA-256 hash).
"""
import argparse
import json
import os
import secrets
import sys
import time
import uuid
from pathlib import Path

import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth.credentials import hash_api_key
from gateway.auth.roles import ROLES
from gateway.web.settings import PACKAGE_DIR, Settings

DEFAULT_CONFIG = PACKAGE_DIR / "config.yaml"
DEV_SECRETS_FILE = PACKAGE_DIR.parent / "var" / "dev-secrets.env"
NO_DEV_KEY = ("No development signing key: run `make up` (it writes "
              "var/dev-secrets.env) or set AUTH_DEV_SIGNING_KEY")


def load_settings(path=DEFAULT_CONFIG):
    """Settings from a nameko config file, with ${VAR:default} expanded the
    way `nameko run` expands them."""
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    with open(path, encoding="utf-8") as fh:
        return Settings.from_config(yaml.safe_load(fh))


def read_env_file(path):
    """NAME=value lines, as deploy/local writes them; a later line wins."""
    values = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            name, sep, value = line.partition("=")
            if line.startswith("#") or not sep:
                continue
            values[name.strip()] = value.strip().strip("'\"")
    return values


def dev_signing_key(settings, path=None):
    """The HS256 key: the config's (from the environment), else the one in
    var/dev-secrets.env, else None."""
    if settings.auth_dev_signing_key:
        return settings.auth_dev_signing_key
    try:
        return read_env_file(path or DEV_SECRETS_FILE).get("AUTH_DEV_SIGNING_KEY") or None
    except FileNotFoundError:
        return None


def mint(*, sub, roles, issuer, audience, ttl=3600, key, algorithm="HS256",
         kid=None, now=None):
    now = int(now if now is not None else time.time())
    claims = {"sub": sub, "roles": list(roles), "iss": issuer, "aud": audience,
              "iat": now, "nbf": now, "exp": now + int(ttl),
              "jti": str(uuid.uuid4())}
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def generate_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(private_key):
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


def jwks_for(private_key, kid):
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
    return {"keys": [jwk]}


def _mint_command(args):
    settings = load_settings(args.config)
    roles = sorted(set(args.role))
    if args.private_key:
        key = serialization.load_pem_private_key(
            Path(args.private_key).read_bytes(), password=None)
        algorithm, kid = "RS256", args.kid
    elif settings.auth_jwks:
        sys.exit("This config checks RS256 tokens from AUTH_JWKS; pass "
                 "--private-key (see: townhall-token keygen)")
    else:
        key = dev_signing_key(settings)
        if not key:
            sys.exit(NO_DEV_KEY)
        algorithm, kid = "HS256", None
    print(mint(sub=args.sub, roles=roles, ttl=args.ttl, key=key,
               algorithm=algorithm, kid=kid,
               issuer=args.issuer or settings.auth_issuer,
               audience=args.audience or settings.auth_audience))


def _keygen_command(args):
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kid = args.kid or time.strftime("townhall-%Y%m%d")
    key = generate_rsa_key()
    key_path, jwks_path = out / "private.pem", out / "jwks.json"
    # the private key must not be readable by other users, even briefly
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem(key))
    jwks_path.write_text(json.dumps(jwks_for(key, kid), indent=2) + "\n")
    print(f"private key: {key_path} (keep it secret)\n"
          f"JWKS:        {jwks_path} (kid {kid})\n"
          f"Run the gateway with AUTH_JWKS={jwks_path} and mint tokens with\n"
          f"  townhall-token --private-key {key_path} --kid {kid} --role crew --sub crew-7")


def _api_key_command(args):
    key = "th_" + secrets.token_urlsafe(32)
    entry = {"name": args.name, "sha256": hash_api_key(key),
             "roles": sorted(set(args.role))}
    print(f"API key (shown once, give it to the client): {key}\n"
          f"Add to AUTH_API_KEYS: {json.dumps(entry)}")


def _mint_parser(parser):
    parser.add_argument("--sub", required=True, help="who the token names, e.g. crew-7")
    parser.add_argument("--role", action="append", required=True,
                        choices=sorted(ROLES), help="repeat for several roles")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--issuer", help="default: AUTH_ISSUER from the config")
    parser.add_argument("--audience", help="default: AUTH_AUDIENCE from the config")
    parser.add_argument("--private-key", help="PEM file: sign RS256 instead of HS256")
    parser.add_argument("--kid", help="key id to put in the token header")
    parser.set_defaults(func=_mint_command)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "keygen": ("write an RSA key pair and a JWKS file", _keygen_command),
        "api-key": ("make a new API key and its config entry", _api_key_command),
    }
    if argv and argv[0] in commands:
        name = argv.pop(0)
        parser = argparse.ArgumentParser(prog=f"townhall-token {name}",
                                         description=commands[name][0])
        if name == "keygen":
            parser.add_argument("--out-dir", default="var/auth")
            parser.add_argument("--kid")
        else:
            parser.add_argument("--name", required=True)
            parser.add_argument("--role", action="append", default=None,
                                choices=sorted(ROLES))
        parser.set_defaults(func=commands[name][1])
        args = parser.parse_args(argv)
        if name == "api-key" and not args.role:
            args.role = ["api_client"]
    else:
        parser = argparse.ArgumentParser(
            prog="townhall-token", description=__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter)
        _mint_parser(parser)
        args = parser.parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
