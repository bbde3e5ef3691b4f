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


def _pids_matching(word):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if word in f.read():
                        found.append(int(pid))
            except OSError:
                pass
    return found


class CpuMeter:
    """Snapshots CPU seconds of the named processes, of PostgreSQL's and
    RabbitMQ's processes, and of this (load-generating) process."""

    def __init__(self, pids):
        self.pids = dict(pids)

    def snapshot(self):
        snap = {name: _cpu_seconds(pid) for name, pid in self.pids.items()}
        snap["postgresql"] = sum(_cpu_seconds(p) for p in _pids_matching(b"postgres"))
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
