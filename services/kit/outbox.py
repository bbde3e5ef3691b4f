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

log = logging.getLogger(__name__)

BATCH = 500
_STOP = object()

# Claim and mark in one statement; the marks only stick if the batch is
# confirmed and the transaction commits. body stays text: it was valid JSON
# when written and goes to the broker as it is.
CLAIM_GIVEN = """
    UPDATE outbox SET published_at = now()
     WHERE id IN (SELECT id FROM outbox
                   WHERE id = ANY(%s) AND published_at IS NULL
                     FOR UPDATE SKIP LOCKED)
    RETURNING id, event_id, exchange, routing_key, body::text, headers"""

CLAIM_ANY = """
    UPDATE outbox SET published_at = now()
     WHERE id IN (SELECT id FROM outbox
                   WHERE published_at IS NULL
                   ORDER BY id LIMIT %s
                     FOR UPDATE SKIP LOCKED)
    RETURNING id, event_id, exchange, routing_key, body::text, headers"""


def event_exchange(name):
    # The same declaration nameko's EventDispatcher and event_handler use, so
    # a plain @event_handler receives relayed events unchanged.
    return kombu.Exchange(name, type="topic", durable=True, delivery_mode=2)


class Confirms:
    """The publisher confirms one channel still owes, by delivery tag.

    The broker may confirm out of order and may answer for many tags at once
    (`multiple`), so each tag is tracked until it is answered.
    """

    def __init__(self):
        self.next_tag = 1  # a channel numbers its publishes from 1
        self.pending = set()
        self.refused = False

    def start_batch(self):
        self.refused = False

    def published(self):
        self.pending.add(self.next_tag)
        self.next_tag += 1

    @property
    def waiting(self):
        return bool(self.pending)

    def _answer(self, tag, multiple):
        if multiple:
            self.pending = {t for t in self.pending if t > tag}
        else:
            self.pending.discard(tag)

    def ack(self, delivery_tag, multiple=False):
        self._answer(delivery_tag, multiple)

    def nack(self, delivery_tag, multiple=False):
        self.refused = True
        self._answer(delivery_tag, multiple)


# A batch this big means commits are arriving faster than one per round trip.
BUSY_BATCH = 4


class OutboxRelay:
    def __init__(self, dsn, amqp_uri, name="relay", sweep_interval=1.0,
                 retention_days=7, inbox_retention_days=30, coalesce=0.002,
                 coalesce_busy=0.025):
        self.dsn = dsn
        self.amqp_uri = amqp_uri
        self.name = name
        self.sweep_interval = sweep_interval
        self.retention_days = retention_days
        self.inbox_retention_days = inbox_retention_days
        # After a nudge, wait a moment for other workers' commits, so that
        # one round trip and one confirm carry many events: briefly while
        # batches are small (a quiet service answers at once), longer once
        # they grow (a busy one then spends less per event).
        self.coalesce = coalesce
        self.coalesce_busy = max(coalesce_busy, coalesce)
        self._last_batch = 0
        self._nudges = queue.Queue()
        self._stopped = threading.Event()
        self._db = None
        self._amqp = None
        self._channel = None
        self._confirms = None
        self._declared = set()
        self.confirm_timeout = 10.0
        self.connected = False
        self.published = 0  # events sent, since start
        self.batches = 0    # confirmed batches they went in

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
                self._forget_nudges()  # the sweep will find those rows anyway
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self._reset()

    def stop(self):
        self._stopped.set()
        self._nudges.put(_STOP)

    def _forget_nudges(self):
        while True:
            try:
                if self._nudges.get_nowait() is _STOP:
                    self._stopped.set()
            except queue.Empty:
                return

    def _wait_for_work(self):
        try:
            first = self._nudges.get(timeout=self.sweep_interval)
        except queue.Empty:
            return []
        if first is _STOP:
            return []
        wait = self.coalesce_busy if self._last_batch >= BUSY_BATCH else self.coalesce
        if wait:
            self._stopped.wait(wait)
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
        try:
            with conn.cursor() as cur:
                if ids is None:
                    cur.execute(CLAIM_ANY, (BATCH,))
                else:
                    cur.execute(CLAIM_GIVEN, (list(ids),))
                rows = sorted(cur.fetchall())
                if rows:
                    self._publish_confirmed(rows)
            conn.commit()
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        self.published += len(rows)
        self.batches += bool(rows)
        if ids is not None:
            self._last_batch = len(rows)
        return len(rows)

    def _publish_confirmed(self, rows):
        """Publishes a batch, then waits for the broker to confirm all of it.

        Waiting once per batch rather than once per message is what lets one
        relay keep up with many workers. A nack or a timeout fails the whole
        batch: it stays unsent and goes again, which may duplicate (consumers
        deduplicate) but never loses.
        """
        channel = self._broker()
        confirms = self._confirms
        confirms.start_batch()
        for _, event_id, exchange, routing_key, body, headers in rows:
            if exchange not in self._declared:
                event_exchange(exchange)(channel).declare()
                self._declared.add(exchange)
            message = channel.prepare_message(
                body, content_type="application/json", content_encoding="utf-8",
                headers=headers,
                properties={"delivery_mode": 2, "message_id": str(event_id)})
            channel.basic_publish(message, exchange=exchange, routing_key=routing_key)
            confirms.published()
        deadline = time.monotonic() + self.confirm_timeout
        while confirms.waiting:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("broker did not confirm an outbox batch in time")
            self._amqp.drain_events(timeout=remaining)
        if confirms.refused:
            raise RuntimeError("broker refused part of an outbox batch")

    def housekeeping(self):
        """Forgets sent events after `retention_days`, and inbox claims after
        `inbox_retention_days`: far longer than any redelivery can arrive."""
        conn = self._database()
        with conn.cursor() as cur:
            cur.execute(
                "DELETE FROM outbox WHERE published_at < now() - make_interval(days => %s)",
                (self.retention_days,))
            cur.execute(
                "DELETE FROM inbox WHERE handled_at < now() - make_interval(days => %s)",
                (self.inbox_retention_days,))
        conn.commit()

    # -- connections -------------------------------------------------------
    def _database(self):
        if self._db is None or self._db.closed:
            self._db = psycopg2.connect(
                self.dsn, application_name=f"{self.name}-outbox", connect_timeout=5)
        return self._db

    def _broker(self):
        if self._channel is None:
            self._amqp = kombu.Connection(self.amqp_uri, connect_timeout=5)
            self._amqp.ensure_connection(max_retries=1)
            channel = self._amqp.default_channel
            channel.confirm_select()
            self._confirms = Confirms()
            channel.events["basic_ack"].add(self._confirms.ack)
            channel.events["basic_nack"].add(self._confirms.nack)
            self._channel = channel
            self._declared.clear()
            self.connected = True
        return self._channel

    def _reset(self):
        self.connected = False
        for closer in (lambda: self._amqp and self._amqp.release(),
                       lambda: self._db and self._db.close()):
            try:
                closer()
            except Exception:
                log.debug("error while closing relay connection", exc_info=True)
        self._amqp = self._channel = self._db = self._confirms = None
