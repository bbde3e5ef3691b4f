"""The outbox relay: moves committed events from a service's outbox table to
RabbitMQ, with publisher confirms, then marks them sent.

Low latency comes from a nudge right after each commit; safety comes from a
sweep every `sweep_interval` seconds that sends whatever is still unsent (a
crash between commit and publish only delays an event). Rows are locked with
FOR UPDATE SKIP LOCKED, so several instances of a service can relay side by
side. A crash after publishing but before marking a row sent means the event
goes out twice; consumers deduplicate by event_id, so duplicates are safe and
loss is impossible.
"""
import logging
import queue
import threading
import time

import kombu
import psycopg2
import psycopg2.extras

log = logging.getLogger(__name__)

BATCH = 500
_STOP = object()

SELECT_GIVEN = """
    SELECT id, event_id, event_type, exchange, routing_key, body, headers
      FROM outbox
     WHERE id = ANY(%s) AND published_at IS NULL
     ORDER BY id
       FOR UPDATE SKIP LOCKED"""

SELECT_ANY = """
    SELECT id, event_id, event_type, exchange, routing_key, body, headers
      FROM outbox
     WHERE published_at IS NULL
     ORDER BY id
     LIMIT %s
       FOR UPDATE SKIP LOCKED"""


def event_exchange(name):
    # The same declaration nameko's EventDispatcher and event_handler use, so
    # a plain @event_handler receives relayed events unchanged.
    return kombu.Exchange(name, type="topic", durable=True, delivery_mode=2)


class OutboxRelay:
    def __init__(self, dsn, amqp_uri, name="relay", sweep_interval=1.0,
                 retention_days=7):
        self.dsn = dsn
        self.amqp_uri = amqp_uri
        self.name = name
        self.sweep_interval = sweep_interval
        self.retention_days = retention_days
        self._nudges = queue.Queue()
        self._stopped = threading.Event()
        self._db = None
        self._amqp = None
        self._producer = None
        self._declared = set()
        self.connected = False
        self.published = 0

    # -- called by workers -------------------------------------------------
    def nudge(self, ids):
        self._nudges.put(list(ids))

    # -- the loop ----------------------------------------------------------
    def run(self):
        last_sweep = 0.0
        last_housekeeping = time.monotonic()
        backoff = 0.2
        while not self._stopped.is_set():
            ids = self._wait_for_work()
            if self._stopped.is_set():
                break
            try:
                if ids:
                    self.publish_pending(ids)
                now = time.monotonic()
                if now - last_sweep >= self.sweep_interval:
                    while self.publish_pending() == BATCH:
                        pass
                    last_sweep = now
                if now - last_housekeeping >= 3600:
                    self.housekeeping()
                    last_housekeeping = now
                backoff = 0.2
            except Exception:  # keep relaying whatever breaks; rows stay unsent
                log.warning("outbox relay failed; retrying in %.1fs", backoff,
                            exc_info=True, extra={"relay": self.name})
                self._reset()
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self._reset()

    def stop(self):
        self._stopped.set()
        self._nudges.put(_STOP)

    def _wait_for_work(self):
        try:
            first = self._nudges.get(timeout=self.sweep_interval)
        except queue.Empty:
            return []
        if first is _STOP:
            return []
        ids = list(first)
        # Drain what else has queued up: one round trip for many commits.
        while len(ids) < BATCH:
            try:
                more = self._nudges.get_nowait()
            except queue.Empty:
                break
            if more is _STOP:
                self._stopped.set()
                break
            ids.extend(more)
        return ids

    # -- one batch ---------------------------------------------------------
    def publish_pending(self, ids=None):
        """Publishes unsent rows (the given ones, or any); returns how many."""
        conn = self._database()
        sent = []
        try:
            with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                if ids is None:
                    cur.execute(SELECT_ANY, (BATCH,))
                else:
                    cur.execute(SELECT_GIVEN, (list(ids),))
                rows = cur.fetchall()
                try:
                    for row in rows:
                        self._publish(row)
                        sent.append(row["id"])
                finally:
                    if sent:
                        cur.execute(
                            "UPDATE outbox SET published_at = now() WHERE id = ANY(%s)",
                            (sent,))
            conn.commit()
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        self.published += len(sent)
        return len(sent)

    def _publish(self, row):
        producer = self._broker()
        exchange = event_exchange(row["exchange"])
        if row["exchange"] not in self._declared:
            exchange.declare(channel=producer.channel)
            self._declared.add(row["exchange"])
        producer.publish(
            row["body"], exchange=exchange, routing_key=row["routing_key"],
            headers=row["headers"], serializer="json", delivery_mode=2,
            message_id=str(row["event_id"]), retry=False)

    def housekeeping(self):
        conn = self._database()
        with conn.cursor() as cur:
            cur.execute(
                "DELETE FROM outbox WHERE published_at < now() - make_interval(days => %s)",
                (self.retention_days,))
        conn.commit()

    # -- connections -------------------------------------------------------
    def _database(self):
        if self._db is None or self._db.closed:
            self._db = psycopg2.connect(
                self.dsn, application_name=f"{self.name}-outbox", connect_timeout=5)
        return self._db

    def _broker(self):
        if self._producer is None:
            self._amqp = kombu.Connection(
                self.amqp_uri, connect_timeout=5,
                transport_options={"confirm_publish": True})
            self._amqp.ensure_connection(max_retries=1)
            self._producer = kombu.Producer(self._amqp.channel())
            self._declared.clear()
            self.connected = True
        return self._producer

    def _reset(self):
        self.connected = False
        for closer in (lambda: self._amqp and self._amqp.release(),
                       lambda: self._db and self._db.close()):
            try:
                closer()
            except Exception:
                log.debug("error while closing relay connection", exc_info=True)
        self._amqp = self._producer = self._db = None
