"""CPU time per request, split by process, read from /proc: where a
request's cost lands when the machine is saturated."""
import os
import time

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _pids_matching(word, only=None):
    """Processes whose command line holds `word`, and `only(cmdline)` if given."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if word in cmdline and (only is None or only(cmdline)):
                found.append(int(pid))
    return found


# PostgreSQL's own processes (no client's database in their title); they
# work for every database, the benchmark's included.
_PG_SERVER = (b"checkpointer", b"background writer", b"walwriter", b"autovacuum launcher",
              b"logical replication launcher", b"archiver", b"stats collector")


def _postgres_for(database):
    """A filter for PostgreSQL processes: the backends (and autovacuum
    workers) of `database` and the server's own, not other databases'
    backends, so other work on the machine does not count."""
    name = database.encode()

    def keep(cmdline):
        title = cmdline.split(b"\0")[0]
        if not title.startswith(b"postgres: "):
            return title.endswith(b"/postgres")  # the postmaster, not a psql
        return name in title.split() or title.rstrip().endswith(_PG_SERVER)
    return keep


class CpuMeter:
    """Snapshots CPU seconds of the named processes, of PostgreSQL's and
    RabbitMQ's processes, and of this (load-generating) process.

    Given `database`, PostgreSQL's figure counts only that database's
    backends and the server's own processes. RabbitMQ is one process for
    every vhost, so other work using the broker always counts."""

    def __init__(self, pids, database=None):
        self.pids = dict(pids)
        self.postgres = _postgres_for(database) if database else None

    def snapshot(self):
        snap = {name: _cpu_seconds(pid) for name, pid in self.pids.items()}
        snap["postgresql"] = sum(_cpu_seconds(p)
                                 for p in _pids_matching(b"postgres", self.postgres))
        snap["rabbitmq"] = sum(_cpu_seconds(p) for p in _pids_matching(b"beam.smp"))
        snap["load generator"] = time.process_time()
        return snap

    def measure(self, run):
        """(result of run(), {process: CPU ms per request})."""
        before = self.snapshot()
        result = run()
        after = self.snapshot()
        count = max(result.get("count", 0), 1)
        return result, {name: round((after[name] - before[name]) / count * 1000, 2)
                        for name in after}
