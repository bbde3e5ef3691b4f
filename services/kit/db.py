"""Database access for one service: a connection pool and a unit of work.

A unit of work is one PostgreSQL transaction. Domain changes, the events that
announce them (outbox rows) and the record that an event was handled (inbox
rows) all commit in it together or not at all.
"""
import contextlib
import datetime as dt
import functools
import logging
import re
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

import psycopg2
import psycopg2.extras
import psycopg2.pool
from psycopg2.extras import Json

from services.kit.envelope import EventCatalogue

log = logging.getLogger(__name__)

psycopg2.extras.register_uuid()

# An event's outbox row, for a statement that writes it together with the
# change it announces: `INSERT ... SELECT` from that change's CTE (a row only
# if the change made one). The values come from UnitOfWork.event.
OUTBOX_INSERT = """
    INSERT INTO outbox (event_id, event_type, exchange, routing_key, body, headers)
    SELECT %(event_id)s::uuid, %(event_type)s, %(event_exchange)s, %(event_routing_key)s,
           %(event_body)s::jsonb, %(event_headers)s::jsonb
      FROM {source}
    RETURNING id"""

# {connection: {statement name: its parameters' names, in $1, $2 ... order}}
_prepared: weakref.WeakKeyDictionary[Any, dict[str, list[str]]] = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def execute_prepared(cur: Any, name: str, statement: str, params: Mapping[str, Any]) -> None:
    """Runs `statement` (psycopg2's %(key)s placeholders, `params` a dict) as
    a prepared statement of the cursor's connection: PostgreSQL plans it
    once per connection rather than on every call. Worth it for a busy
    statement whose planning costs more than running it. A prepared
    statement outlives a rollback, and goes with its connection."""
    known = _prepared.setdefault(cur.connection, {})
    keys = known.get(name)
    if keys is None:
        keys = []

        def number(match: re.Match[str]) -> str:
            if match[1] not in keys:
                keys.append(match[1])
            return f"${keys.index(match[1]) + 1}"

        cur.execute(f"PREPARE {name} AS {_PLACEHOLDER.sub(number, statement)}")
        known[name] = keys
    cur.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(keys))})",
                [params[k] for k in keys])


class Pool:
    """A thread-safe psycopg2 pool that grows on demand and keeps what it
    opened, and drops connections that broke (a database restart).

    ThreadedConnectionPool opens `minconn` connections up front and closes
    every connection handed back above `minconn`. Opening one and then
    raising `minconn` to `keep` gives neither cost: an idle instance holds one
    connection, a busy one keeps as many as its workers use.
    """

    def __init__(self, dsn: str, keep: int, maxconn: int, application_name: str) -> None:
        self.dsn = dsn
        self._pool = psycopg2.pool.ThreadedConnectionPool(
            1, maxconn, dsn, application_name=application_name, connect_timeout=5)
        self._pool.minconn = keep

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
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

    def close(self) -> None:
        self._pool.closeall()


class Repository:
    """A service's store (its module of SQL functions, each taking a cursor
    first) bound to one cursor: `repo.booking_by_id(booking_id)` runs
    `store.booking_by_id(cursor, booking_id)`. Use cases reach SQL only
    through one of these, so a test can hand them an in-memory fake with
    the same methods."""

    def __init__(self, store: Any, cursor: Any) -> None:
        self._store = store
        self.cursor = cursor

    def __getattr__(self, name: str) -> Any:
        query = getattr(self._store, name)
        if not callable(query):
            raise AttributeError(name)
        bound = functools.partial(query, self.cursor)
        setattr(self, name, bound)
        return bound


class Store(Protocol):
    """A service's store as a use case sees it: its SQL functions by name,
    bound to a cursor (a Repository), or a test's in-memory fake."""

    def __getattr__(self, name: str) -> Any: ...


class Work(Protocol):
    """A unit of work as a use case sees it: a UnitOfWork made with the
    service's store, or a test's fake."""

    @property
    def store(self) -> Store: ...

    def event(self, event_type: str, data: dict[str, Any],
              occurred_at: dt.datetime | None = None,
              headers: Mapping[str, Any] | None = None) -> dict[str, Any]: ...

    def enqueued(self, outbox_id: int) -> None: ...

    def publish(self, event_type: str, data: dict[str, Any],
                occurred_at: dt.datetime | None = None,
                headers: Mapping[str, Any] | None = None) -> dict[str, Any]: ...

    def claim(self, consumer: str, event_id: uuid.UUID | str) -> bool: ...


class UnitOfWork:
    """One transaction. Use `store` for the service's own SQL (its
    repository), `publish` to add an event and `claim` to make a handler run
    once; `cursor` is for the kit's own tables."""

    def __init__(self, conn: Any, catalogue: EventCatalogue, correlation_id: str,
                 call_id_stack: Iterable[str] = (), store: Any = None) -> None:
        self.conn = conn
        self.cursor = conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
        self.store = Repository(store, self.cursor) if store is not None else None
        self.catalogue = catalogue
        self.correlation_id = correlation_id
        self.call_id_stack = list(call_id_stack)
        self.outbox_ids: list[int] = []

    def event(self, event_type: str, data: dict[str, Any],
              occurred_at: dt.datetime | None = None,
              headers: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """An event as the values of its outbox row, for one statement that
        writes the change and the event together (OUTBOX_INSERT in a CTE);
        pass the new row's id to `enqueued`. Validated as `publish` does.

        `headers` become AMQP headers, for subscribers that filter on them
        (a headers exchange bound to the events exchange): ids, never
        personal data.
        """
        envelope = self.catalogue.build(
            event_type, data, self.correlation_id, occurred_at)
        amqp_headers = dict(headers or {}, **{"nameko.correlation_id": self.correlation_id})
        if self.call_id_stack:
            amqp_headers["nameko.call_id_stack"] = self.call_id_stack
        return {"event_id": envelope["event_id"], "event_type": event_type,
                "event_exchange": f"{self.catalogue.source}.events",
                "event_routing_key": routing_key(envelope),
                "event_body": Json(envelope), "event_headers": Json(amqp_headers)}

    def enqueued(self, outbox_id: int) -> None:
        """An outbox row this unit of work wrote: the relay is nudged for it
        once the unit of work ends."""
        self.outbox_ids.append(outbox_id)

    def publish(self, event_type: str, data: dict[str, Any],
                occurred_at: dt.datetime | None = None,
                headers: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Adds an event to the outbox; it is sent only if this commits.
        Returns the envelope. `headers` as for `event`."""
        if self.conn.autocommit:
            raise RuntimeError("a single-statement unit of work writes its events "
                               "with the change (UnitOfWork.event), not on their own")
        row = self.event(event_type, data, occurred_at, headers)
        self.cursor.execute(OUTBOX_INSERT.format(source="(SELECT 1) AS one"), row)
        self.enqueued(self.cursor.fetchone()["id"])
        return row["event_body"].adapted

    def claim(self, consumer: str, event_id: uuid.UUID | str) -> bool:
        """True the first time `consumer` handles `event_id`, else False.

        The inbox row commits with the handler's effect, so a redelivered
        event finds it and the effect happens once.
        """
        self.cursor.execute(
            """INSERT INTO inbox (consumer, event_id) VALUES (%s, %s)
               ON CONFLICT DO NOTHING""",
            (consumer, event_id))
        return self.cursor.rowcount == 1


def routing_key(envelope: Mapping[str, Any]) -> str:
    # Version 1 keeps the bare name so plain nameko handlers bind to it; a
    # breaking change is published alongside under its own key.
    if envelope["version"] == 1:
        return envelope["event_type"]
    return f"{envelope['event_type']}.v{envelope['version']}"


@contextlib.contextmanager
def unit_of_work(pool: Pool, catalogue: EventCatalogue, correlation_id: str,
                 call_id_stack: Iterable[str] = (),
                 on_commit: Callable[[list[int]], object] | None = None,
                 single_statement: bool = False, store: Any = None) -> Iterator[UnitOfWork]:
    """One transaction; or, with `single_statement`, none: each statement
    commits on its own, which saves the BEGIN and COMMIT round trips, so the
    one write must be one statement (a change and its events, UnitOfWork.event
    in a CTE) and `publish` is refused. `store`: the service's module of SQL
    functions, handed out bound to the transaction as `uow.store`."""
    with pool.connection() as conn:
        conn.autocommit = single_statement
        uow = UnitOfWork(conn, catalogue, correlation_id, call_id_stack, store)
        try:
            yield uow
            conn.commit()
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        finally:
            uow.cursor.close()
            if single_statement and not conn.closed:
                conn.autocommit = False
    if on_commit and uow.outbox_ids:
        on_commit(uow.outbox_ids)
