"""Bookings through the gateway: bookings per second on distinct slots next
to the bare echo in the same run, and contention: 200 people at once for a
slot with 3 places, and many for a handful of slots.

A booking is two requests, as a resident makes it: a hold, then the
confirmation with contact details. The figure set beside the echo is
requests per second; whole bookings per second are printed too.
"""
import datetime as dt
import itertools
import tempfile
import threading
import time

import psycopg2
import psycopg2.extras
import requests

from bench.common import fresh_database, in_threads, private_vhost, running_stack
from bench.cpu import CpuMeter
from bench.echo import drive, load
from services.bookings import seed
from services.kit import migrate

# A week of Mondays to Fridays from the next Monday, so every slot is in the
# future and inside the 62-day search limit.
DETAILS = {"name": "Bench Resident", "email": "bench@example.com"}


def database():
    url = fresh_database("bookings", migrate.migration_dirs("bookings"))
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            seed.save_demo(cur)
            # more advisers, so each council-tax slot holds several people
            cur.execute("""UPDATE appointment_types SET advisers_at_once = 3
                            WHERE id = 'council-tax'""")
            cur.execute("""INSERT INTO advisers (id, office_id, type_ids, pattern)
                           VALUES ('bench-adviser', 'town-hall', ARRAY['council-tax'],
                                   '{"0": [["09:00", "17:00"]], "1": [["09:00", "17:00"]],
                                     "2": [["09:00", "17:00"]], "3": [["09:00", "17:00"]],
                                     "4": [["09:00", "17:00"]]}')""")
    finally:
        conn.close()
    return url


def free_slots(stack, first_day, days):
    found = []
    for offset in range(0, days, 14):
        start = first_day + dt.timedelta(days=offset)
        end = min(first_day + dt.timedelta(days=days - 1), start + dt.timedelta(days=13))
        resp = requests.get(stack.base_url + "/api/v1/bookings/slots", params={
            "type_id": "council-tax", "first_day": start.isoformat(),
            "last_day": end.isoformat()}, timeout=30)
        resp.raise_for_status()
        found += resp.json()["slots"]
    return found


def book_one(session, base, slot):
    held = session.post(base + "/api/v1/bookings/holds", json={
        "office_id": slot["office_id"], "type_id": slot["type_id"], "start": slot["start"]},
        timeout=10)
    if held.status_code != 201:
        return held.status_code
    body = held.json()
    done = session.post(f"{base}/api/v1/bookings/{body['reference']}/confirm",
                        json=DETAILS, headers={"X-Resident-Secret": body["secret"]},
                        timeout=10)
    return done.status_code


def bookings(stack, places, clients, seconds):
    """Whole bookings, each client taking the next free place."""
    supply = iter(places)
    lock = threading.Lock()

    def next_place():
        with lock:
            return next(supply)

    def booking(session, slot):
        # a booking is two requests: the hold and the confirmation
        return 2 if book_one(session, stack.base_url, slot) == 200 else None

    result, made, elapsed = drive(clients, seconds, booking, next_place)
    result["requests_per_second"] = round(made / elapsed, 1)
    return result


def contention(stack, slot, people):
    """`people` threads at once for one slot: how many got it, how many got
    a clean 409, and anything else (which should be nothing)."""
    barrier = threading.Barrier(people)
    statuses = []
    lock = threading.Lock()

    def person():
        session = requests.Session()
        barrier.wait()
        status = book_one(session, stack.base_url, slot)
        with lock:
            statuses.append(status)

    started = time.perf_counter()
    in_threads(person, people)
    return {"people": people, "capacity": slot["remaining"],
            "booked": statuses.count(200), "conflicts": statuses.count(409),
            "other": len(statuses) - statuses.count(200) - statuses.count(409),
            "seconds": round(time.perf_counter() - started, 2)}


def run(seconds, clients=10):
    results = {}
    with private_vhost("bench-bookings") as uri, tempfile.TemporaryDirectory() as logs:
        url = database()
        echo_url = fresh_database("bins", migrate.migration_dirs("bins"))
        with running_stack(uri, {"bookings": url, "bins": echo_url}, logs,
                           "bookings") as stack:
            today = dt.date.today()
            monday = today + dt.timedelta(days=7 - today.weekday())
            slots = free_slots(stack, monday, 55)
            # distinct slots first: one place in every slot, then the second places
            rounds = itertools.zip_longest(*[[s] * s["remaining"] for s in slots])
            places = [s for s in itertools.chain.from_iterable(rounds) if s is not None]
            load(stack.base_url, 2, 1.0)  # warm up
            meter = CpuMeter({name: proc.pid for name, proc in stack.procs.items()})
            results["echo"], results["echo_cpu_ms"] = meter.measure(
                lambda: load(stack.base_url, clients, seconds))
            results["bookings"], cpu = meter.measure(
                lambda: bookings(stack, places, clients, seconds))
            results["bookings_cpu_ms_per_request"] = {k: round(v / 2, 2)
                                                      for k, v in cpu.items()}
            results["available_places"] = len(places)
            # a slot on a day the run above did not touch
            later = free_slots(stack, monday + dt.timedelta(days=56), 5)
            target = next(s for s in later if s["remaining"] == 3)
            results["contention"] = contention(stack, target, 200)
    results["booking_requests_to_echo_rate"] = round(
        results["bookings"]["requests_per_second"] / results["echo"]["per_second"], 2)
    return results
