"""Where each service finds its database, the broker and the admin login
used to create databases. Defaults suit one machine with local PostgreSQL and
RabbitMQ; every value can be overridden from the environment. And what the
services' settings dataclasses share: a secret key, and the council's time
zone."""
import dataclasses
import logging
import os
import secrets
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def amqp_uri():
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def pg_admin_url():
    return os.environ.get("TOWNHALL_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)


def database_url(service):
    """The service's own database: `<SERVICE>_DATABASE_URL` or a local default."""
    return os.environ.get(
        f"{service.upper()}_DATABASE_URL",
        f"postgresql://townhall_{service}@127.0.0.1:5432/townhall_{service}")


def _random_key():
    return secrets.token_bytes(32)


def secret_key(value, service, consequence):
    """A service's SECRET_KEY as bytes. Unset, a random key for this start
    only, with a warning that says what that costs (`consequence`)."""
    if value:
        return str(value).encode("utf-8")
    log.warning("%s_SECRET_KEY is not set: using a random key, so %s",
                service.upper(), consequence)
    return _random_key()


def secret_key_field():
    """A settings dataclass's `secret_key`: random unless given (from
    `secret_key`), and never shown in its repr."""
    return dataclasses.field(default_factory=_random_key, repr=False)


class LocalZone:
    """For a settings dataclass with a `timezone` (an IANA name): the zone,
    and the local date at an instant."""

    @property
    def tz(self):
        return ZoneInfo(self.timezone)

    def today(self, now):
        return now.astimezone(self.tz).date()
