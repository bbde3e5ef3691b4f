"""nameko dependency providers: the only place the kit meets nameko's
container. Entrypoints get small objects from here and pass plain values on
to the domain."""
import contextlib
import importlib.metadata
import logging
import os
import socket
import time

import psycopg2.extras
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc as NamekoRpc
from nameko.timer import Timer

from services.kit.clock import load_clock
from services.kit.db import Pool, Repository, unit_of_work
from services.kit.logs import CORRELATION_KEY
from services.kit.outbox import OutboxRelay
from services.kit.rules import RuleBroken

log = logging.getLogger(__name__)

# Context data key under which the gateway forwards a request's Idempotency-Key.
IDEMPOTENCY_CONTEXT_KEY = "idempotency_key"


class Rpc(NamekoRpc):
    """nameko's RPC entrypoint, that sends a broken rule (RuleBroken) as the
    service's own remote error: the service class names it, as
    `rule_error = staticmethod(errors.remote)`, so the gateway sees the same
    class name (BookingRejected 422, SlotConflict 409) and message as ever."""

    def handle_result(self, message, worker_ctx, result, exc_info):
        rule_error = getattr(self.container.service_cls, "rule_error", None)
        if rule_error and exc_info is not None and isinstance(exc_info[1], RuleBroken):
            remote = rule_error(exc_info[1])
            exc_info = (type(remote), remote, exc_info[2])
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = Rpc.decorator


class SettingsProvider(DependencyProvider):
    """The service's settings, read from its nameko config once at start:
    every service names it `settings = SettingsProvider(ItsSettings)`.
    `warm_up`: called with the settings at start, for work better done
    before the first request than in it."""

    def __init__(self, settings_cls, warm_up=None):
        self.settings_cls = settings_cls
        self.warm_up = warm_up

    def setup(self):
        self.settings = self.settings_cls.from_config(self.container.config)
        if self.warm_up is not None:
            self.warm_up(self.settings)

    def get_dependency(self, worker_ctx):
        return self.settings


class Database:
    """What a worker sees: transactions that may publish events."""

    def __init__(self, provider, worker_ctx):
        self._provider = provider
        self._ctx = worker_ctx

    def transaction(self, single_statement=False):
        """A unit of work; events published in it go out only if it commits.

        `single_statement`: no BEGIN and COMMIT round trips, for a write
        that is one statement, the change with its events (UnitOfWork.event
        in a CTE), which PostgreSQL commits as a whole. Reads in it see the
        latest committed data, as in a transaction at READ COMMITTED."""
        p = self._provider
        return unit_of_work(
            p.pool, p.catalogue,
            correlation_id=self._ctx.data.get(CORRELATION_KEY) or self._ctx.call_id,
            call_id_stack=self._ctx.call_id_stack,
            on_commit=p.relay.nudge, single_statement=single_statement, store=p.store)

    @contextlib.contextmanager
    def read(self):
        """A cursor for queries outside any transaction: each statement sees
        the latest committed data. Autocommit saves the BEGIN and ROLLBACK
        round trips a transaction would cost every lookup."""
        with self._provider.pool.connection() as conn:
            conn.autocommit = True
            try:
                with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                    yield cur
            finally:
                if not conn.closed:
                    conn.autocommit = False

    @contextlib.contextmanager
    def reading(self):
        """The service's store (a Repository) on a `read` cursor, for use
        cases that only look."""
        with self.read() as cur:
            yield Repository(self._provider.store, cur)


class DatabaseProvider(DependencyProvider):
    """A service's own PostgreSQL database plus its outbox relay.

    `store`: the service's module of SQL functions, handed to use cases bound
    to a cursor (services.kit.db.Repository).

    Config: DATABASE_URL, max_workers, OUTBOX_SWEEP_SECONDS, OUTBOX_COALESCE_MS,
    OUTBOX_COALESCE_BUSY_MS.
    """

    def __init__(self, catalogue, store=None):
        self.catalogue = catalogue
        self.store = store

    def setup(self):
        config = self.container.config
        dsn = config["DATABASE_URL"]
        workers = int(config.get("max_workers", 10))
        self.pool = Pool(dsn, keep=workers, maxconn=workers + 2,
                         application_name=self.container.service_name)
        self.relay = OutboxRelay(
            dsn, config["AMQP_URI"], name=self.container.service_name,
            sweep_interval=float(config.get("OUTBOX_SWEEP_SECONDS", 1.0)),
            coalesce=float(config.get("OUTBOX_COALESCE_MS", 2)) / 1000,
            coalesce_busy=float(config.get("OUTBOX_COALESCE_BUSY_MS", 25)) / 1000)

    def start(self):
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")

    def stop(self):
        self.relay.stop()
        self.pool.close()

    def kill(self):
        # A killed container drops its connections too, rather than leaving
        # them to the garbage collector: a restart, or a test suite starting
        # many containers, would otherwise run the server out of connections.
        self.relay.stop()
        self.pool.close()

    def get_dependency(self, worker_ctx):
        return Database(self, worker_ctx)


def _version():
    try:
        return importlib.metadata.version("townhall")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class HealthProvider(DependencyProvider):
    """Answers "is this instance fit to work?" for the health RPC."""

    def setup(self):
        self.started = time.monotonic()
        self.instance = f"{socket.gethostname()}:{os.getpid()}"

    def _database(self):
        # nameko binds a copy of each provider per container, so look up the
        # bound database provider rather than holding the class-level one.
        # (A method, not a property: nameko inspects every attribute of an
        # extension and would adopt the provider as a second sub-extension.)
        return next(d for d in self.container.dependencies
                    if isinstance(d, DatabaseProvider))

    def get_dependency(self, worker_ctx):
        return self.report

    def report(self):
        checks = {"broker": "ok"}  # this call arrived over the broker
        backlog = None
        database = self._database()
        try:
            with database.pool.connection() as conn, conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                backlog = cur.fetchone()[0]
                conn.rollback()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        checks["outbox_relay"] = "ok" if database.relay.connected or not backlog else "reconnecting"
        return {
            "service": self.container.service_name,
            "status": "ok" if checks["database"] == "ok" else "degraded",
            "instance": self.instance,
            "version": _version(),
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "checks": checks,
            "outbox_backlog": backlog,
            "outbox_sent": {"events": database.relay.published,
                            "batches": database.relay.batches},
        }


class Clock(DependencyProvider):
    """`now()` as an aware UTC datetime. CLOCK (`module:callable`) pins it
    for tests and demos; unset, it is the real time."""

    def setup(self):
        self.now = load_clock(self.container.config.get("CLOCK"))

    def get_dependency(self, worker_ctx):
        return self.now


class IdempotencyKey(DependencyProvider):
    """The key the gateway forwards in context data for keyed requests."""

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get(IDEMPOTENCY_CONTEXT_KEY)


class ConfigTimer(Timer):
    """A timer whose interval comes from a config key, when set."""

    def __init__(self, config_key, default, **kwargs):
        super().__init__(interval=default, **kwargs)
        self.config_key = config_key

    def setup(self):
        super().setup()
        self.interval = float(self.container.config.get(self.config_key) or self.interval)


config_timer = ConfigTimer.decorator
