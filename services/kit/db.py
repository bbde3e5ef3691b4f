"""Database access for one service: a connection pool and a unit of work.

A unit of work is one PostgreSQL transaction. Domain changes, the events that
announce them (outbox rows) and the record that an event was handled (inbox
rows) all commit in it together or not at all.
"""
import contextlib
import logging

import psycopg2
import psycopg2.extras
import psycopg2.pool
from psycopg2.extras import Json

log = logging.getLogger(__name__)

psycopg2.extras.register_uuid()


class Pool:
    """A thread-safe psycopg2 pool that grows on demand and keeps what it
    opened, and drops connections that broke (a database restart).

    ThreadedConnectionPool opens `minconn` connections up front and closes
    every connection handed back above `minconn`. Opening one and then
    raising `minconn` to `keep` gives neither cost: an idle instance holds one
    connection, a busy one keeps as many as its workers use.
    """

    def __init__(self, dsn, keep, maxconn, application_name):
        self.dsn = dsn
        self._pool = psycopg2.pool.ThreadedConnectionPool(
            1, maxconn, dsn, application_name=application_name, connect_timeout=5)
        self._pool.minconn = keep

    @contextlib.contextmanager
    def connection(self):
        conn = self._pool.getconn()
        broken = False
        try:
            yield conn
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            broken = True
            raise
        finally:
            if conn.closed:
                broken = True
            self._pool.putconn(conn, close=broken)

    def close(self):
        self._pool.closeall()


class UnitOfWork:
    """One transaction. Use `cursor` for the service's own SQL (its store),
    `publish` to add an event and `claim` to make a handler run once."""

    def __init__(self, conn, catalogue, correlation_id, call_id_stack=()):
        self.conn = conn
        self.cursor = conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
        self.catalogue = catalogue
        self.correlation_id = correlation_id
        self.call_id_stack = list(call_id_stack)
        self.outbox_ids = []

    def publish(self, event_type, data, occurred_at=None, headers=None):
        """Adds an event to the outbox; it is sent only if this commits.

        `headers` become AMQP headers, for subscribers that filter on them
        (a headers exchange bound to the events exchange): ids, never
        personal data.
        """
        envelope = self.catalogue.build(
            event_type, data, self.correlation_id, occurred_at)
        headers = dict(headers or {}, **{"nameko.correlation_id": self.correlation_id})
        if self.call_id_stack:
            headers["nameko.call_id_stack"] = self.call_id_stack
        self.cursor.execute(
            """INSERT INTO outbox (event_id, event_type, exchange, routing_key,
                                   body, headers)
               VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
            (envelope["event_id"], event_type,
             f"{self.catalogue.source}.events", routing_key(envelope),
             Json(envelope), Json(headers)))
        self.outbox_ids.append(self.cursor.fetchone()["id"])
        return envelope

    def claim(self, consumer, event_id):
        """True the first time `consumer` handles `event_id`, else False.

        The inbox row commits with the handler's effect, so a redelivered
        event finds it and the effect happens once.
        """
        self.cursor.execute(
            """INSERT INTO inbox (consumer, event_id) VALUES (%s, %s)
               ON CONFLICT DO NOTHING""",
            (consumer, event_id))
        return self.cursor.rowcount == 1


def routing_key(envelope):
    # Version 1 keeps the bare name so plain nameko handlers bind to it; a
    # breaking change is published alongside under its own key.
    if envelope["version"] == 1:
        return envelope["event_type"]
    return f"{envelope['event_type']}.v{envelope['version']}"


@contextlib.contextmanager
def unit_of_work(pool, catalogue, correlation_id, call_id_stack=(), on_commit=None):
    with pool.connection() as conn:
        uow = UnitOfWork(conn, catalogue, correlation_id, call_id_stack)
        try:
            yield uow
            conn.commit()
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        finally:
            uow.cursor.close()
    if on_commit and uow.outbox_ids:
        on_commit(uow.outbox_ids)
