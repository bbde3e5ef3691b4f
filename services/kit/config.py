"""Where each service finds its database, the broker and the admin login
used to create databases. Defaults suit one machine with local PostgreSQL and
RabbitMQ; every value can be overridden from the environment."""
import os

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
