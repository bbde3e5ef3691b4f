"""Notify: events turned into sent messages per second, and the time from an
event being published to its message being sent, next to the bare echo
measured in the same run.

Real processes, as `make up` runs them: the notify service (`nameko run`),
the development mail server (tools/devmail.py, which writes each
message to a file) as its SMTP server, and, as the owner notify asks for
each report's facts, a stand-in "bins" service (BenchBinsOwner below, its
own `nameko run` process) that answers `notification_facts` with fixed facts
and an email address, without a database. The benchmark measures notify; the
real owner's path is covered by the end-to-end tests
(tests/e2e/test_notify_journey.py).

The benchmark publishes `ReportFiled` events onto `bins.events` as the bins
relay would (each for a new report id) and reads the notify database's
`messages` rows: an event counts once its message is `sent`, and its time
runs from just before it was published (this process's clock) to the row's
`sent_at` (the notify process's clock: the same machine's).

    .venv/bin/python -m bench.run --only notify
"""
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path

import kombu
import psycopg2
import psycopg2.extras
from nameko.rpc import rpc

from bench.common import fresh_database, percentile, private_vhost, running_stack, summary
from bench.cpu import CpuMeter
from bench.echo import load
from services.kit import topology
from services.kit.migrate import migration_dirs
from tests.support.stack import NAMEKO, Stack, devmail_command, free_port

OWNER = "bench.notify:BenchBinsOwner"
EVENT_QUEUE = "evt-bins-ReportFiled--notify.on_report_filed"
SMTP_SINK = "devmail (tools/devmail.py, own process, one .eml file per message)"


class BenchBinsOwner:
    """Stands in for bins as the keeper of a reporter's contact details:
    the facts a ReportFiled message needs, a different address per report,
    and no database read (the real bins reads one row by primary key)."""
    name = "bins"

    @rpc
    def notification_facts(self, report_id):
        short = report_id.replace("-", "")[:8]
        return {"contact": {"email": f"resident-{short}@example.com", "phone": None,
                            "preferred": "email", "safe_channel_only": False},
                "reference": f"MB-{short[:4].upper()}-{short[4:6].upper()}",
                "service": "recycling", "service_name": "recycling",
                "collection_date": "2026-12-01", "due_by": "2026-12-02T17:00:00+00:00",
                "status": "open", "outcome": None, "reason": None,
                "tracking_path": f"/bins/track/MB-{short[:4].upper()}-{short[4:6].upper()}"}


# --- the echo, on the same machine in the same run ------------------------------

def echo_baseline(uri, logs, seconds, clients=10):
    """gateway -> bins RPC echo with one client, then `clients` (as
    bench.run.bench_echo), on a real bins with an empty database. It runs
    first and is stopped before the stand-in "bins" starts: both would
    answer bins' RPC queue."""
    url = fresh_database("bins", migration_dirs("bins"))
    with running_stack(uri, {"bins": url}, logs, "notify") as stack:
        load(stack.base_url, 2, 1.0)  # warm up
        return load(stack.base_url, 1, seconds), load(stack.base_url, clients, seconds)


# --- notify -------------------------------------------------------------------------

def start_notify(uri, url, logs, maildir):
    smtp_port = free_port()
    stack = Stack(uri, {"notify": url}, logs,
                  NOTIFY_EMAIL_PROVIDER="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port,
                  SMTP_SENDER="noreply@townhall.example", NOTIFY_SMS_PROVIDER="log",
                  NOTIFY_SECRET_KEY="bench-notify-secret-key",
                  PUBLIC_URL="https://council.example", LOG_LEVEL="WARNING")
    topology.ensure(uri, services=("notify", "bins"))
    stack.spawn("devmail", devmail_command(smtp_port, maildir))
    stack.spawn("owner", [NAMEKO, "run", "--broker", uri, OWNER])
    stack.start("notify")
    return stack


def add_notify(stack):
    """A second notify process beside the first (both in stack.procs)."""
    stack.procs[f"notify-{len(stack.procs)}"] = stack.procs.pop("notify")
    stack.start("notify")


def consumers(uri, queue):
    with kombu.Connection(uri, connect_timeout=5) as conn:
        return conn.default_channel.queue_declare(queue=queue, passive=True).consumer_count


def wait_consuming(stack, uri, notify_count, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in stack.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited:\n{stack.tail(name)}")
        if consumers(uri, "rpc-bins") >= 1 and consumers(uri, EVENT_QUEUE) >= notify_count:
            return
        time.sleep(0.2)
    raise RuntimeError("notify or the stand-in owner never started consuming:\n"
                       + stack.tail("notify"))


class Publisher:
    """Publishes ReportFiled as the bins relay does: persistent, routing key
    the event type, on the topic exchange bins.events."""

    def __init__(self, uri):
        from services.bins.contract import CATALOGUE
        self.catalogue = CATALOGUE
        self.conn = kombu.Connection(uri, connect_timeout=5)
        self.exchange = kombu.Exchange("bins.events", type="topic", durable=True)
        self.producer = self.conn.Producer()
        self.exchange(self.producer.channel).declare()

    def envelopes(self, count):
        due = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).replace(
            hour=17, minute=0, second=0, microsecond=0)
        out = []
        for i in range(count):
            report_id = str(uuid.uuid4())
            out.append(self.catalogue.build("ReportFiled", {
                "report_id": report_id, "reference": f"MB-B{i:07d}",
                "uprn": "100000000001", "service": "recycling",
                "collection_date": due.date().isoformat(), "round_id": "R1",
                "crew_id": "C1", "due_by": due.isoformat()}, correlation_id="bench-notify"))
        return out

    def publish(self, envelopes, rate=None):
        """{event_id: wall-clock time just before its publish}; all at once,
        or `rate` a second."""
        sent = {}
        started = time.perf_counter()
        for i, envelope in enumerate(envelopes):
            if rate:
                wait = started + i / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            sent[envelope["event_id"]] = time.time()
            self.producer.publish(envelope, exchange=self.exchange, routing_key="ReportFiled",
                                  serializer="json", delivery_mode=2)
        return sent

    def close(self):
        self.conn.release()


def _query(url, sql, args=()):
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def wait_sent(url, count, stall_seconds=20):
    """Until `count` messages are sent, or nothing changed for `stall_seconds`."""
    last, changed = -1, time.monotonic()
    while True:
        done = _query(url, "SELECT count(*) AS n FROM messages WHERE status = 'sent'")[0]["n"]
        if done >= count:
            return done
        if done != last:
            last, changed = done, time.monotonic()
        elif time.monotonic() - changed > stall_seconds:
            return done
        time.sleep(0.1)


def phase(stack, url, publisher, count, rate=None):
    """Publish `count` events (at once, or `rate` a second) and wait until
    their messages are sent: rate, latencies, what was not sent, CPU."""
    _query(url, "TRUNCATE messages, timeline, inbox, outbox")
    envelopes = publisher.envelopes(count)
    meter = CpuMeter({name: proc.pid for name, proc in stack.procs.items()},
                     database=psycopg2.extensions.parse_dsn(url)["dbname"])
    before = meter.snapshot()
    published = publisher.publish(envelopes, rate)
    publish_seconds = max(published.values()) - min(published.values())
    wait_sent(url, count)
    after = meter.snapshot()
    rows = _query(url, "SELECT event_id, status, attempts, created_at, sent_at FROM messages")
    sent = [r for r in rows if r["status"] == "sent"]
    to_sent = [r["sent_at"].timestamp() - published[str(r["event_id"])] for r in sent]
    to_row = [r["created_at"].timestamp() - published[str(r["event_id"])] for r in sent]
    row_to_sent = [(r["sent_at"] - r["created_at"]).total_seconds() for r in sent]
    first = min(published.values())
    elapsed = (max(r["sent_at"].timestamp() for r in sent) - first) if sent else 0
    result = summary(to_sent, elapsed, len(sent))
    result.update({
        "events": count, "rate_asked": rate, "publish_seconds": round(publish_seconds, 3),
        "not_sent": {s: sum(r["status"] == s for r in rows)
                     for s in {r["status"] for r in rows} - {"sent"}},
        "no_message": count - len(rows),
        "retried": sum(r["attempts"] > 1 for r in rows),
        "max_ms": round(max(to_sent) * 1000, 2) if to_sent else None,
        "to_row_p50_ms": round(percentile(to_row, 50) * 1000, 2) if to_row else None,
        "to_row_p99_ms": round(percentile(to_row, 99) * 1000, 2) if to_row else None,
        "row_to_sent_p50_ms": round(percentile(row_to_sent, 50) * 1000, 2)
        if row_to_sent else None,
        "row_to_sent_p99_ms": round(percentile(row_to_sent, 99) * 1000, 2)
        if row_to_sent else None,
    })
    result["errors"] = count - len(sent)
    cpu = {}
    for name in after:
        key = "notify" if name.startswith("notify") else name
        cpu[key] = cpu.get(key, 0.0) + (after[name] - before[name])
    result["cpu_ms_per_message"] = {k: round(v / max(len(sent), 1) * 1000, 2)
                                    for k, v in cpu.items()}
    return result


def log_problems(stack):
    """Lines at WARNING or worse in the logs of notify, the stand-in owner
    and devmail (the services log at WARNING here), counted by logger and
    message."""
    found = {}
    for path in sorted(Path(stack.log_dir).glob("*.log")):
        if path.stem not in ("notify", "owner", "devmail"):
            continue  # the echo's bins and gateway
        for line in path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError(line)
                if record.get("level") not in ("WARNING", "ERROR", "CRITICAL"):
                    continue
                key = f"{record.get('level')} {record.get('logger')}: {record.get('message')}"
            except ValueError:
                if not any(word in line for word in ("WARNING", "ERROR", "Traceback")):
                    continue
                key = line.split(" ", 2)[-1][:160]  # devmail's, after its time
            key = f"{path.stem}: {key}"
            found[key] = found.get(key, 0) + 1
    return found


def run(seconds, burst=1500, rate=50):
    """The echo, then notify with one process (all at once, then paced),
    then with two (all at once)."""
    results = {"smtp_sink": SMTP_SINK, "burst": burst}
    with private_vhost("bench-notify") as uri, tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        results["echo_one"], results["echo"] = echo_baseline(uri, logs, seconds)
        url = fresh_database("notify", migration_dirs("notify"))
        stack = start_notify(uri, url, logs, Path(tmp) / "mail")
        publisher = None
        try:
            wait_consuming(stack, uri, 1)
            publisher = Publisher(uri)
            phase(stack, url, publisher, 40, rate=20)  # warm up
            results["burst_1"] = phase(stack, url, publisher, burst)
            results["paced_1"] = phase(stack, url, publisher, int(rate * seconds), rate=rate)
            add_notify(stack)
            wait_consuming(stack, uri, 2)
            phase(stack, url, publisher, 40, rate=20)  # warm up the second
            results["burst_2"] = phase(stack, url, publisher, burst)
            results["log_problems"] = log_problems(stack)
        finally:
            if publisher is not None:
                publisher.close()
            stack.stop_all()
    echo, echo_one = results["echo"], results["echo_one"]
    results["sent_to_echo_rate"] = round(results["burst_1"]["per_second"]
                                         / echo["per_second"], 2)
    results["sent_to_echo_rate_2"] = round(results["burst_2"]["per_second"]
                                           / echo["per_second"], 2)
    results["paced_p99_to_echo_p99"] = round(results["paced_1"]["p99_ms"]
                                             / echo_one["p99_ms"], 2)
    return results
