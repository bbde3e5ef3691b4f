"""Missed bins through the gateway: filing reports next to the bare echo in
the same run, and bin-day lookups with 10,000 properties next to 1,000,000.

The bins service's clock is pinned (BINS_CLOCK) to a Tuesday evening in an
ordinary week, so every property whose round came on Monday or Tuesday can
report it: each request files a new report rather than finding a duplicate.
"""
import datetime as dt
import random
import tempfile
import threading
import time
from zoneinfo import ZoneInfo

import psycopg2

from bench.common import private_vhost, running_stack
from bench.cpu import CpuMeter
from bench.echo import load
from services.bins.tools import generator
from services.bins.domain.model import Frequency, Round, Service
from services.bins.domain.schedule import ScheduleSettings, collection_on
from services.council.workdays import england_and_wales
from services.kit import migrate

# Tuesday 3 March 2026, 18:00 in London: after Monday's and Tuesday's rounds.
NOW = dt.datetime(2026, 3, 3, 18, 0, tzinfo=ZoneInfo("Europe/London"))
AS_OF = NOW.date()


def pinned_now():
    return NOW


def database(size, reuse):
    """A bins database holding a generated borough of `size` properties.
    With `reuse`, a database already holding that borough is kept: the
    1,000,000-property one takes about a minute to make."""
    url = f"postgresql://townhall_bench@127.0.0.1:5432/townhall_bench_bins_{size}"
    if reuse:
        try:
            conn = psycopg2.connect(url)
            with conn, conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM properties")
                if cur.fetchone()[0] == size:
                    cur.execute("TRUNCATE reports, round_days, crew_exceptions, outbox, inbox")
                    return url, 0.0
        except psycopg2.Error:
            pass
        finally:
            try:
                conn.close()
            except Exception:
                pass
    migrate.create_database(url, drop_first=True)
    migrate.apply_migrations(url, migrate.migration_dirs("bins"))
    started = time.monotonic()
    generator.generate_and_load(url, size=size, as_of=AS_OF, show_progress=False)
    return url, time.monotonic() - started


def reportable(url, limit):
    """(uprn, service) pairs whose latest collection can be reported at NOW."""
    cal = england_and_wales([2026])
    settings = ScheduleSettings()
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, service, weekday, frequency, week, crew_id FROM rounds")
            rounds = [Round(r[0], Service(r[1]), r[2], Frequency(r[3]), r[4], r[5])
                      for r in cur.fetchall()]
            ok = [r.id for r in rounds
                  if any(collection_on(r, NOW.date() - dt.timedelta(days=back), cal, settings)
                         for back in (0, 1))]
            cur.execute("""SELECT uprn, service FROM property_services
                            WHERE round_id = ANY(%s)
                              AND (service <> 'garden' OR subscribed_until >= %s)
                            ORDER BY uprn, service LIMIT %s""",
                        (ok, NOW.date(), limit))
            return cur.fetchall()
    finally:
        conn.close()


def uprns(url, count, seed=3):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT uprn FROM properties TABLESAMPLE SYSTEM (5) LIMIT %s", (count,))
            found = [r[0] for r in cur.fetchall()]
    finally:
        conn.close()
    random.Random(seed).shuffle(found)
    return found


def bins_stack(uri, url, logs, tag):
    return running_stack(uri, {"bins": url}, logs, tag, BINS_CLOCK="bench.bins:pinned_now")


def filing(stack, pairs, clients, seconds):
    """Files reports from a shared pool of distinct (uprn, service) pairs."""
    pool = iter(pairs)
    lock = threading.Lock()

    def next_body():
        with lock:
            uprn, service = next(pool)
        return {"uprn": uprn, "service": service}

    return load(stack.base_url, clients, seconds, path="/api/v1/bins/reports",
                body=next_body, ok=(201,))


def lookups(stack, sample, clients, seconds):
    it = iter(sample * 50)
    lock = threading.Lock()

    def next_path():
        with lock:
            return f"/api/v1/bins/properties/{next(it)}"

    return load(stack.base_url, clients, seconds, method="GET", path=next_path)


def run(seconds, big_size, clients=10, reuse=True):
    results = {}
    small_url, small_load = database(10_000, reuse=False)
    pairs = reportable(small_url, 200_000)
    with private_vhost("bench-bins") as uri, tempfile.TemporaryDirectory() as logs:
        with bins_stack(uri, small_url, logs, "small") as stack:
            load(stack.base_url, 2, 1.0)  # warm up
            results["echo_one"] = load(stack.base_url, 1, seconds)
            results["filing_one"] = filing(stack, pairs, 1, seconds)
            # CPU per request by process, while the machine is saturated
            meter = CpuMeter({name: proc.pid for name, proc in stack.procs.items()},
                             database=small_url.rsplit("/", 1)[1])
            results["echo"], results["echo_cpu_ms"] = meter.measure(
                lambda: load(stack.base_url, clients, seconds))
            rest = pairs[results["filing_one"]["count"] + 10:]
            results["filing"], results["filing_cpu_ms"] = meter.measure(
                lambda: filing(stack, rest, clients, seconds))
            results["lookup_small"] = lookups(stack, uprns(small_url, 2000), 4, seconds)
        big_url, big_load = database(big_size, reuse=reuse)
        with bins_stack(uri, big_url, logs, "big") as stack:
            lookups(stack, uprns(big_url, 200, seed=9), 2, 1.0)  # warm up
            results["lookup_big"] = lookups(stack, uprns(big_url, 2000), 4, seconds)
    results["reportable_pairs"] = len(pairs)
    results["sizes"] = {"small": 10_000, "big": big_size}
    results["load_seconds"] = {"small": round(small_load, 1), "big": round(big_load, 1)}
    results["filing_to_echo_rate"] = round(
        results["filing"]["per_second"] / results["echo"]["per_second"], 2)
    results["filing_to_echo_p99"] = round(
        results["filing"]["p99_ms"] / results["echo"]["p99_ms"], 2)
    results["filing_to_echo_rate_one"] = round(
        results["filing_one"]["per_second"] / results["echo_one"]["per_second"], 2)
    results["filing_to_echo_p99_one"] = round(
        results["filing_one"]["p99_ms"] / results["echo_one"]["p99_ms"], 2)
    results["lookup_p99_big_to_small"] = round(
        results["lookup_big"]["p99_ms"] / results["lookup_small"]["p99_ms"], 2)
    return results
