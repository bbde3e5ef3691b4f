"""The floor every resident request pays: HTTP -> gateway -> RPC -> service
-> reply, with no domain work, measured with one client and with ten. Also
`drive`, the clients every benchmark's load runs in."""
import threading
import time

import requests

from bench.common import in_threads, summary

ECHO = "/api/v1/echo"


def drive(clients, seconds, attempt, next_job=lambda: None):
    """Runs `clients` threads for `seconds`, each with its own keep-alive
    session. Each takes `next_job()` (not timed; StopIteration when the
    caller's supply of work has run out), then times `attempt(session, job)`,
    which returns how many requests it made, or None if it failed. Returns
    the summary of the successes (with `clients` and `errors`), the requests
    they made, and the seconds the run took."""
    latencies, made, errors = [], [], []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client():
        session = requests.Session()
        mine, requests_made, bad = [], 0, 0
        while time.perf_counter() < stop_at:
            try:
                job = next_job()
            except StopIteration:
                break  # the caller's supply of work ran out
            t0 = time.perf_counter()
            done = attempt(session, job)
            elapsed = time.perf_counter() - t0
            if done is None:
                bad += 1
            else:
                mine.append(elapsed)
                requests_made += done
        with lock:
            latencies.extend(mine)
            made.append(requests_made)
            errors.append(bad)

    started = time.perf_counter()
    in_threads(client, clients)
    elapsed = time.perf_counter() - started
    result = summary(latencies, elapsed, len(latencies))
    result["clients"] = clients
    result["errors"] = sum(errors)
    return result, sum(made), elapsed


def load(base_url, clients, seconds, path=ECHO, body=None, method="POST", ok=(200,),
         headers=None):
    """Drives `clients` keep-alive sessions for `seconds`. `path` and `body`
    may be callables, for a new target on every request."""
    body = body or {"message": "hello from the benchmark"}
    path_for = path if callable(path) else (lambda: path)
    body_for = body if callable(body) else (lambda: body)

    def target():
        return base_url + path_for(), body_for() if method == "POST" else None

    def attempt(session, job):
        url, payload = job
        resp = session.request(method, url, json=payload, headers=headers, timeout=10)
        return 1 if resp.status_code in ok else None

    result, _, _ = drive(clients, seconds, attempt, target)
    return result
