"""Roles, the Principal a request acts as, and the 401 and 403 answers with
their RFC 6750 Bearer challenges."""
from dataclasses import dataclass, field

from gateway.web.errors import Forbidden, Unauthorized

CREW = "crew"
CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
API_CLIENT = "api_client"
ROLES = frozenset({CREW, CASEWORKER, SUPERVISOR, API_CLIENT})
STAFF_ROLES = frozenset({CREW, CASEWORKER, SUPERVISOR})

REALM = "townhall"


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset
    kind: str  # "bearer" or "api_key"
    claims: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def identity(self):
        """Stable key for rate limits and idempotency records."""
        return f"{self.kind}:{self.sub}"


def challenge(error=None, description=None):
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    return "Bearer " + ", ".join(parts)


def invalid_token(message):
    return Unauthorized(message, code="invalid_token", headers={
        "WWW-Authenticate": challenge("invalid_token", message)})


def missing_credentials():
    return Unauthorized("Sign in to use this: send a bearer token",
                        headers={"WWW-Authenticate": challenge()})


def require_roles(principal, roles):
    """401 without credentials; 403 unless the caller holds one of `roles`."""
    if principal is None:
        raise missing_credentials()
    if not principal.roles & frozenset(roles):
        raise Forbidden(
            "Your account does not have the role needed for this",
            headers={"WWW-Authenticate": challenge("insufficient_scope")})
    return principal
