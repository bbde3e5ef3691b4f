"""Outbox relay against nameko's own EventDispatcher, and commit-to-subscriber
latency. Run through `python -m bench.run`; alone: `python -m bench.outbox`.

Both publishers do the same business write per event (one row in one
transaction). The dispatcher sends the event after the commit, the dual
write the outbox exists to avoid; the outbox path writes the event in the
same transaction and lets the relay send it. Each figure is the time from
the first call until a subscriber has received every event.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import itertools  # noqa: E402
import pathlib  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import kombu  # noqa: E402
from marshmallow import Schema, fields  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.events import EventDispatcher  # noqa: E402
from nameko.rpc import rpc  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench.common import emit, fresh_database, private_vhost, summary  # noqa: E402
from services.kit.envelope import EventCatalogue, EventContract  # noqa: E402
from services.kit.migrate import KIT_MIGRATIONS  # noqa: E402
from services.kit.providers import DatabaseProvider  # noqa: E402

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


class MeasuredSchema(Schema):
    seq = fields.Integer(required=True)


CATALOGUE = EventCatalogue("benchpub", EventContract("Measured", MeasuredSchema))
COMMITTED_AT = {}
RUNS = itertools.count(1)  # each run numbers its events from its own base


class Publisher:
    name = "benchpub"
    db = DatabaseProvider(CATALOGUE)
    dispatch = EventDispatcher()

    @rpc
    def via_outbox(self, start, n, pause=0.0):
        for seq in range(start, start + n):
            with self.db.transaction() as uow:
                uow.cursor.execute("INSERT INTO items (seq) VALUES (%s)", (seq,))
                uow.publish("Measured", {"seq": seq})
            COMMITTED_AT[seq] = time.perf_counter()
            if pause:
                eventlet.sleep(pause)

    @rpc
    def via_dispatcher(self, start, n):
        for seq in range(start, start + n):
            with self.db.transaction() as uow:
                uow.cursor.execute("INSERT INTO items (seq) VALUES (%s)", (seq,))
            # The dual write: if the process died here the event would be lost.
            self.dispatch("Measured", CATALOGUE.build("Measured", {"seq": seq}, "bench"))


class Receiver:
    """Counts deliveries on a queue bound before anything is published."""

    def __init__(self, uri):
        self.conn = kombu.Connection(uri)
        exchange = kombu.Exchange("benchpub.events", type="topic", durable=True)
        self.queue = kombu.Queue("bench-receiver", exchange=exchange,
                                 routing_key="Measured", durable=False)
        self.received = {}
        self.lock = threading.Lock()
        self.stop = False
        self.consumer = self.conn.Consumer([self.queue], callbacks=[self._on],
                                           accept=["json"], no_ack=True)
        self.consumer.qos(prefetch_count=1000)
        self.consumer.consume()
        self.thread = eventlet.spawn(self._drain)

    def _on(self, body, message):
        self.received[body["data"]["seq"]] = time.perf_counter()

    def _drain(self):
        while not self.stop:
            try:
                self.conn.drain_events(timeout=0.2)
            except TimeoutError:
                pass
            except OSError:
                pass

    def wait_for(self, count, timeout=120):
        deadline = time.perf_counter() + timeout
        while len(self.received) < count and time.perf_counter() < deadline:
            eventlet.sleep(0.005)
        return len(self.received) >= count

    def reset(self):
        self.received = {}

    def close(self):
        self.stop = True
        self.thread.wait()
        self.conn.release()


def throughput(rpc, receiver, method, total, callers):
    receiver.reset()
    per = total // callers
    started = time.perf_counter()
    # A standalone proxy is not safe across green threads: send every call
    # from here, then collect the replies.
    base = next(RUNS) * 10_000_000
    replies = [getattr(rpc.benchpub, method).call_async(base + i * per, per)
               for i in range(callers)]
    for reply in replies:
        reply.result()
    ok = receiver.wait_for(per * callers)
    elapsed = max(receiver.received.values()) - started if receiver.received else float("nan")
    result = summary([], elapsed, len(receiver.received))
    result["complete"] = ok
    return result


def latency(rpc, receiver, rate, seconds):
    """Commit-to-subscriber time at a steady, moderate rate."""
    receiver.reset()
    COMMITTED_AT.clear()
    count = int(rate * seconds)
    start = next(RUNS) * 10_000_000
    started = time.perf_counter()
    rpc.benchpub.via_outbox(start, count, pause=1.0 / rate)
    receiver.wait_for(count)
    elapsed = time.perf_counter() - started
    lat = [receiver.received[s] - COMMITTED_AT[s]
           for s in range(start, start + count) if s in receiver.received and s in COMMITTED_AT]
    result = summary(lat, elapsed, len(lat))
    result["rate_asked"] = rate
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    url = fresh_database("outbox", [str(KIT_MIGRATIONS), str(MIGRATIONS)])
    with private_vhost("bench-outbox") as uri:
        config = {"AMQP_URI": uri, "DATABASE_URL": url, "max_workers": args.callers,
                  "OUTBOX_SWEEP_SECONDS": 1.0}
        container = ServiceContainer(Publisher, config)
        container.start()
        receiver = Receiver(uri)
        try:
            with ClusterRpcProxy({"AMQP_URI": uri}) as rpc:
                # Warm up connections and pools before measuring.
                throughput(rpc, receiver, "via_dispatcher", args.callers * 20, args.callers)
                throughput(rpc, receiver, "via_outbox", args.callers * 20, args.callers)
                dispatcher = throughput(rpc, receiver, "via_dispatcher", args.events, args.callers)
                outbox = throughput(rpc, receiver, "via_outbox", args.events, args.callers)
                lat = latency(rpc, receiver, args.rate, args.seconds)
        finally:
            receiver.close()
            container.stop()
    emit({
        "dispatcher": dispatcher,
        "outbox": outbox,
        "ratio_outbox_to_dispatcher": round(outbox["per_second"] / dispatcher["per_second"], 2),
        "commit_to_subscriber": lat,
        "settings": vars(args),
    })


if __name__ == "__main__":
    main()
