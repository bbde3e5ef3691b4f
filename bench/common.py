"""Shared by the benchmarks: a private vhost and database per run, and
figures printed the same way."""
import contextlib
import json
import statistics
import sys
import uuid

from services.kit import config, migrate, topology


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
