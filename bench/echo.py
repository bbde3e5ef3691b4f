"""The floor every resident request pays: HTTP -> gateway -> RPC -> service
-> reply, with no domain work, measured with one client and with ten."""
import threading
import time

import requests

from bench.common import summary

ECHO = "/api/v1/echo"


def load(base_url, clients, seconds, path=ECHO, body=None, method="POST", ok=(200,),
         headers=None):
    """Drives `clients` keep-alive sessions for `seconds`. `path` and `body`
    may be callables, for a new target on every request."""
    body = body or {"message": "hello from the benchmark"}
    path_for = path if callable(path) else (lambda: path)
    body_for = body if callable(body) else (lambda: body)
    latencies, errors = [], []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client():
        session = requests.Session()
        mine, bad = [], 0
        while time.perf_counter() < stop_at:
            try:
                url, payload = base_url + path_for(), body_for() if method == "POST" else None
            except StopIteration:
                break  # the caller's supply of targets ran out
            t0 = time.perf_counter()
            resp = session.request(method, url, json=payload, headers=headers, timeout=10)
            elapsed = time.perf_counter() - t0
            if resp.status_code in ok:
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
