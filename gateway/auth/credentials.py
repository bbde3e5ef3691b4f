"""Who is calling: staff bearer tokens and API keys.

Bearer tokens are JWTs checked with a fixed algorithm list, issuer, audience
and expiry; `exp`, `iat`, `iss`, `aud` and `sub` must all be present. Which
algorithm is accepted follows from the config, never from the token:

- `AUTH_JWKS` set (a file path or an https URL): RS256 only, keys from that
  JWK set. The development key is then ignored.
- otherwise `AUTH_DEV_SIGNING_KEY` set: HS256 only, for development.
- neither: no bearer token is accepted (401), and a warning is logged at
  start. There is deliberately no default key: a committed one would let
  anyone mint supervisor tokens for a deployment that forgot AUTH_JWKS.

`alg: none` is never accepted. Roles come from the `roles` claim; names not
in ROLES are dropped. API clients may instead send `X-Api-Key`; only the
SHA-256 of each key lives in config (`AUTH_API_KEYS`), with its roles.

Missing credentials on a protected route give 401 with a bare Bearer
challenge, as RFC 6750 asks; bad credentials add `error="invalid_token"`;
a good token without the role gives 403.
"""
import hashlib
import hmac
import json
import logging
import os
from urllib.parse import urlparse

import jwt

from gateway.auth.roles import ROLES, Principal, invalid_token
from gateway.web.errors import ServiceUnavailable

log = logging.getLogger("gateway.auth")  # the name logs knew it by

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
API_KEY_HEADER = "X-Api-Key"


class _FileJwks:
    """A JWK set read from a local file; re-read when the file changes so a
    key rotation needs no restart."""

    def __init__(self, path):
        self.path = path
        self._mtime = None
        self._keys = {}

    def _load(self):
        mtime = os.stat(self.path).st_mtime
        if mtime != self._mtime:
            with open(self.path, encoding="utf-8") as fh:
                jwk_set = jwt.PyJWKSet.from_dict(json.load(fh))
            self._keys = {k.key_id: k for k in jwk_set.keys}
            self._mtime = mtime

    def key_for(self, token, header):
        try:
            self._load()
        except (OSError, ValueError, jwt.PyJWKSetError) as exc:
            log.error("cannot read the JWKS file %s: %s", self.path, exc)
            raise ServiceUnavailable("Sign-in is not available at the moment")
        kid = header.get("kid")
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values())).key
        if kid in self._keys:
            return self._keys[kid].key
        raise invalid_token("The token was signed with an unknown key")


class _UrlJwks:
    def __init__(self, url):
        self.client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=3)

    def key_for(self, token, header):
        try:
            return self.client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError as exc:
            log.error("cannot fetch the JWKS: %s", exc)
            raise ServiceUnavailable("Sign-in is not available at the moment")
        except jwt.PyJWKClientError:
            raise invalid_token("The token was signed with an unknown key")


class TokenVerifier:
    def __init__(self, *, issuer, audience, jwks="", dev_signing_key="", leeway=30):
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self._jwks = None
        self._secret = None
        if jwks:
            self.algorithms = ["RS256"]
            scheme = urlparse(jwks).scheme
            self._jwks = _UrlJwks(jwks) if scheme in ("http", "https") else _FileJwks(jwks)
            if dev_signing_key:
                log.info("AUTH_JWKS is set: the development signing key is ignored")
        elif dev_signing_key:
            self.algorithms = ["HS256"]
            self._secret = dev_signing_key
            log.warning("staff tokens are checked with the development signing "
                        "key (HS256): set AUTH_JWKS in production")
        else:
            self.algorithms = []
            log.warning("staff sign-in is off: neither AUTH_JWKS nor "
                        "AUTH_DEV_SIGNING_KEY is set, so every bearer token is "
                        "refused with 401")

    @property
    def mode(self):
        return self.algorithms[0] if self.algorithms else "disabled"

    def verify(self, token):
        """The token's claims, or Unauthorized saying what is wrong."""
        if not self.algorithms:
            raise invalid_token("Staff sign-in is not configured")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise invalid_token("The token is not a valid JWT")
        # checked here as well as by decode() so the message is specific
        if header.get("alg") not in self.algorithms:
            raise invalid_token("The token uses an algorithm that is not accepted")
        key = self._jwks.key_for(token, header) if self._jwks else self._secret
        try:
            return jwt.decode(
                token, key, algorithms=self.algorithms,
                audience=self.audience, issuer=self.issuer, leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError:
            raise invalid_token("The token has expired")
        except jwt.InvalidAudienceError:
            raise invalid_token("The token is for a different audience")
        except jwt.InvalidIssuerError:
            raise invalid_token("The token is from an unknown issuer")
        except jwt.MissingRequiredClaimError as exc:
            raise invalid_token(f"The token has no {exc.claim} claim")
        except jwt.InvalidSignatureError:
            raise invalid_token("The token signature is not valid")
        except jwt.InvalidTokenError:
            raise invalid_token("The token is not valid")


def hash_api_key(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Authenticator:
    """Turns request headers into a Principal (or None when none were sent)."""

    def __init__(self, verifier, api_keys=()):
        self.verifier = verifier
        self.api_keys = []
        for entry in api_keys:
            digest = str(entry.get("sha256", "")).lower()
            if len(digest) != 64:
                log.error("ignoring API key %r: sha256 must be 64 hex digits",
                          entry.get("name"))
                continue
            self.api_keys.append((digest, str(entry.get("name") or digest[:8]),
                                  frozenset(entry.get("roles") or ()) & ROLES))

    @classmethod
    def from_settings(cls, settings):
        verifier = TokenVerifier(
            issuer=settings.auth_issuer, audience=settings.auth_audience,
            jwks=settings.auth_jwks, dev_signing_key=settings.auth_dev_signing_key,
            leeway=settings.auth_leeway)
        return cls(verifier, settings.api_keys)

    def authenticate(self, headers):
        authorization = headers.get("Authorization")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise invalid_token("Send the token as: Authorization: Bearer <token>")
            return self._from_claims(self.verifier.verify(token.strip()))
        key = headers.get(API_KEY_HEADER)
        if key:
            return self._from_api_key(key)
        return None

    def _from_claims(self, claims):
        sub = claims.get("sub")
        roles = claims.get("roles", [])
        if not isinstance(sub, str) or not sub:
            raise invalid_token("The token has no subject")
        if isinstance(roles, str):
            roles = roles.split()
        if not isinstance(roles, list):
            raise invalid_token("The token's roles claim must be a list")
        return Principal(sub, frozenset(r for r in roles if r in ROLES),
                         "bearer", claims)

    def _from_api_key(self, key):
        digest = hash_api_key(key)
        found = None
        # compare with every entry so timing does not reveal which matched
        for known, name, roles in self.api_keys:
            if hmac.compare_digest(known, digest):
                found = (name, roles)
        if found is None:
            raise invalid_token("The API key is not recognised")
        return Principal(found[0], found[1], "api_key")
