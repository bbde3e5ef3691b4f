"""The floor every resident request pays: HTTP -> gateway -> RPC -> service
-> reply, with no domain work, measured with one client and with ten."""
import threading
import time

import requests

from bench.common import summary

ECHO = "/api/v1/echo"


def load(base_url, clients, seconds, path=ECHO, body=None):
    body = body or {"message": "hello from the benchmark"}
    latencies, errors = [], []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client():
        session = requests.Session()
        mine, bad = [], 0
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            resp = session.post(base_url + path, json=body, timeout=10)
            elapsed = time.perf_counter() - t0
            if resp.status_code == 200:
                mine.append(elapsed)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = summary(latencies, time.perf_counter() - started, len(latencies))
    result["clients"] = clients
    result["errors"] = sum(errors)
    return result
