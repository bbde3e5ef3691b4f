"""Shared by the benchmarks: a private vhost and database per run, the
stack under test started the same way, and figures printed the same way."""
import contextlib
import json
import statistics
import sys
import threading
import time
import uuid

import requests

from services.kit import config, migrate, topology
from tests.support.stack import running


@contextlib.contextmanager
def private_vhost(prefix):
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    topology.create_vhost(name)
    try:
        yield topology.vhost_uri(config.amqp_uri(), name)
    finally:
        topology.delete_vhost(name)


def fresh_database(name, dirs):
    url = f"postgresql://townhall_bench@127.0.0.1:5432/townhall_bench_{name}"
    migrate.create_database(url, drop_first=True)
    migrate.apply_migrations(url, dirs)
    return url


@contextlib.contextmanager
def running_stack(uri, database_urls, logs, tag, ready=(), echo=True, **env):
    """The services in `database_urls` and a gateway over the vhost `uri`
    (only their topology declared), rate limits out of the way and logging at
    WARNING unless `env` says otherwise; once the gateway answers 200 on each
    path in `ready` and, with `echo`, answers the echo (through bins).
    Stopped on leaving."""
    env = {"RATE_LIMIT_ANONYMOUS_WRITES": "100000000/minute",
           "GATEWAY_REDIS_PREFIX": f"townhall:bench:{tag}:{time.time_ns()}",
           "LOG_LEVEL": "WARNING", **env}
    with running(uri, database_urls, logs, ready=ready, services=tuple(database_urls),
                 **env) as stack:
        if echo:
            wait_for_echo(stack)
        yield stack


def wait_for_echo(stack, timeout=60):
    """Returns once the stack's gateway answers the echo through bins."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.post(stack.base_url + "/api/v1/echo", json={"message": "ready?"},
                             timeout=3).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("echo never answered:\n" + stack.tail("gateway"))
        time.sleep(0.2)


def in_threads(target, count):
    """Runs `target` in `count` threads at once; returns when all are done."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def percentile(values, pct):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(latencies_s, elapsed_s, count):
    return {
        "count": count,
        "seconds": round(elapsed_s, 3),
        "per_second": round(count / elapsed_s, 1) if elapsed_s else None,
        "p50_ms": round(percentile(latencies_s, 50) * 1000, 2) if latencies_s else None,
        "p99_ms": round(percentile(latencies_s, 99) * 1000, 2) if latencies_s else None,
        "mean_ms": round(statistics.fmean(latencies_s) * 1000, 2) if latencies_s else None,
    }


def emit(results):
    """Results go to stdout as one JSON document for bench.run to collect."""
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")
