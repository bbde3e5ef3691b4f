"""Housing through the gateway: whole triages per second next to the bare
echo in the same run, and the caseworker queue's p99 with 1,000 cases next
to 100,000.

A triage is one start, one request per question asked (19 for the ordinary
answers used here) and a submit: each an RPC that reads and writes the
draft. So the figure set beside the echo is the triage's requests per
second, and whole triages per second are printed too.
"""
import datetime as dt
import random
import tempfile
import threading
import uuid

import psycopg2
import requests
from psycopg2.extras import Json, execute_values

from bench.common import fresh_database, private_vhost, running_stack
from bench.cpu import CpuMeter
from bench.echo import drive, load
from services.housing.domain import triage as rules
from services.kit import migrate
from tests.support.housing_answers import ordinary_answers

SIGNING_KEY = "bench-housing-signing-key-long-enough-for-hs256"
URGENCIES = rules.URGENCIES
DUTY_FOR = {"emergency": "relief", "high": "relief", "standard": "prevention",
            "advice": "none"}


def database(name):
    url = f"postgresql://townhall_bench@127.0.0.1:5432/townhall_bench_housing_{name}"
    migrate.create_database(url, drop_first=True)
    migrate.apply_migrations(url, migrate.migration_dirs("housing"))
    return url


def fill_cases(url, count, seed=11):
    """`count` open and closed cases with a realistic spread of urgency,
    respond-by dates and assignment, written straight to the table."""
    rnd = random.Random(seed)
    today = dt.date(2026, 3, 3)
    now = dt.datetime(2026, 3, 3, 10, tzinfo=dt.timezone.utc)
    outcome = {"urgency": "standard", "duty": "prevention", "priority_need": [],
               "reason_to_believe": False, "respond_by": today.isoformat(),
               "next_step": {"code": "book_appointment"}, "reasons": []}
    rows = []
    for i in range(count):
        urgency = rnd.choices(URGENCIES, weights=(5, 20, 50, 25))[0]
        closed = rnd.random() < 0.3
        rows.append((str(uuid.UUID(int=rnd.getrandbits(128))), f"HL-B{i:07d}", b"\0" * 32, "self",
                     1, Json({}), Json(outcome), urgency, URGENCIES.index(urgency),
                     DUTY_FOR[urgency], [], today + dt.timedelta(days=rnd.randint(0, 20)),
                     now - dt.timedelta(minutes=rnd.randint(0, 60 * 24 * 90)),
                     "closed" if closed else "open",
                     f"cw-{rnd.randint(1, 40)}" if rnd.random() < 0.5 else None))
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            execute_values(cur, """INSERT INTO cases (id, reference, secret_sha256, route,
                                   questionnaire_version, answers, outcome, urgency,
                                   urgency_rank, duty, priority_need, respond_by, triaged_at,
                                   status, assigned_to) VALUES %s""", rows, page_size=5000)
            cur.execute("ANALYZE cases")
    finally:
        conn.close()


def housing_stack(uri, url, logs, tag, echo_url=None):
    """housing and the gateway; and bins, which answers the echo, when
    `echo_url` (an empty bins database) is given."""
    urls = {"housing": url, **({"bins": echo_url} if echo_url else {})}
    return running_stack(uri, urls, logs, tag, ready=["/api/v1/housing/questionnaire"],
                         echo=bool(echo_url),
                         RATE_LIMIT_STAFF_WRITES="100000000/minute",
                         AUTH_DEV_SIGNING_KEY=SIGNING_KEY)


def one_triage(session, base, answers):
    """Start, answer whatever is asked next, submit: (requests made, reference)."""
    started = session.post(base + "/api/v1/housing/triages", json={}, timeout=10)
    started.raise_for_status()
    body = started.json()
    headers = {"X-Resident-Secret": body["code"]}
    view, made = body["triage"], 1
    while view["next_question"] is not None:
        question = view["next_question"]
        resp = session.put(f"{base}/api/v1/housing/triage/answers/{question}",
                           json={"value": answers[question]}, headers=headers, timeout=10)
        resp.raise_for_status()
        view, made = resp.json(), made + 1
    done = session.post(base + "/api/v1/housing/triage/submit", json={}, headers=headers,
                        timeout=10)
    done.raise_for_status()
    return made + 1, done.json()["reference"]


def triages(stack, clients, seconds):
    answers = ordinary_answers(dt.date.today())

    def triage(session, _):
        try:
            return one_triage(session, stack.base_url, answers)[0]  # the requests made
        except requests.RequestException:
            return None

    result, made, elapsed = drive(clients, seconds, triage)
    result["requests"] = made
    result["requests_per_second"] = round(made / elapsed, 1)
    return result


def queue(stack, clients, seconds):
    caseworker = stack.bearer("cw-bench", ["caseworker"], lifetime=3600)
    filters = ["", "?status=unassigned", "?urgency=high", "?status=mine", "?offset=200",
               "?duty=prevention&status=unassigned"]
    it = iter(filters * 100_000)
    lock = threading.Lock()

    def next_path():
        with lock:
            return "/api/v1/housing/staff/queue" + next(it)

    return load(stack.base_url, clients, seconds, method="GET", path=next_path,
                headers=caseworker)


def run(seconds, clients=10):
    results = {}
    with private_vhost("bench-housing") as uri, tempfile.TemporaryDirectory() as logs:
        url = database("triage")
        echo_url = fresh_database("bins", migrate.migration_dirs("bins"))
        with housing_stack(uri, url, logs, "triage", echo_url) as stack:
            load(stack.base_url, 2, 1.0)  # warm up
            meter = CpuMeter({name: proc.pid for name, proc in stack.procs.items()})
            results["echo"], results["echo_cpu_ms"] = meter.measure(
                lambda: load(stack.base_url, clients, seconds))
            results["triage"], cpu = meter.measure(
                lambda: triages(stack, clients, seconds))
            # per request, not per triage, to set beside the echo
            per_request = max(results["triage"]["requests"], 1) / max(
                results["triage"]["count"], 1)
            results["triage_cpu_ms_per_request"] = {
                k: round(v / per_request, 2) for k, v in cpu.items()}
        for size in (1_000, 100_000):
            url = database(f"queue_{size}")
            fill_cases(url, size)
            with housing_stack(uri, url, logs, f"queue{size}") as stack:
                queue(stack, 2, 1.0)  # warm up
                results[f"queue_{size}"] = queue(stack, 4, seconds)
    results["triage_requests_to_echo_rate"] = round(
        results["triage"]["requests_per_second"] / results["echo"]["per_second"], 2)
    results["queue_p99_100000_to_1000"] = round(
        results["queue_100000"]["p99_ms"] / results["queue_1000"]["p99_ms"], 2)
    return results
