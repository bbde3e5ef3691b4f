"""The bookings and housing services and a gateway in their own processes,
over a private vhost, with a bookings database holding the demo offices,
types and advisers (services.bookings.seed) and an empty housing database:
shared by the gateway integration, end-to-end and browser tests of booking
an appointment (registered in tests/conftest.py).

The services run on the real clock, so the tests work out their dates from
today, on working days (services.council.workdays). Also helpers to find free
times and to book over the JSON API."""
import datetime as dt
import time
import uuid

import psycopg2
import psycopg2.extras
import pytest

from services.bookings import seed
from services.kit.migrate import create_database, migrate_service
from services.council.words import local_today
from services.council.workdays import working_calendar
from tests.conftest import database_url_for
from tests.support.housing_stack import file_case, secret_header
from tests.support.stack import call, running  # noqa: F401

SIGNING_KEY = "e2e-bookings-signing-key-long-enough-for-hs256-tokens"
GATEWAY_SECRET = "e2e-bookings-secret"


@pytest.fixture(scope="module")
def bookings_dbs():
    """(bookings url, housing url): fresh per module, so each module's
    counts start from nothing."""
    bookings_url = database_url_for("e2e_bookings_journey")
    housing_url = database_url_for("e2e_bookings_journey_housing")
    for url, service in ((bookings_url, "bookings"), (housing_url, "housing")):
        create_database(url, drop_first=True)
        migrate_service(service, url)
    save_demo(bookings_url)
    return bookings_url, housing_url


def save_demo(url):
    """The demo offices, types and advisers (services.bookings.seed) into the
    bookings database at `url`."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            seed.save_demo(cur)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def bookings_stack(broker, bookings_dbs, tmp_path_factory):
    bookings_url, housing_url = bookings_dbs
    # notify and bins do not run here, so /healthz (which asks all four) would say 503
    with running(broker.uri, {"housing": housing_url, "bookings": bookings_url},
                 tmp_path_factory.mktemp("bookings-logs"),
                 ready=["/api/v1/housing/questionnaire", "/api/v1/bookings/options"],
                 GATEWAY_REDIS_PREFIX=(f"townhall:e2e-bookings:{broker.vhost}:"
                                       f"{uuid.uuid4().hex[:6]}"),
                 AUTH_DEV_SIGNING_KEY=SIGNING_KEY,
                 GATEWAY_SECRET_KEY=GATEWAY_SECRET,
                 HOUSING_SECRET_KEY="e2e-bookings-case-secret",
                 BOOKINGS_SECRET_KEY="e2e-bookings-booking-secret",
                 RATE_LIMIT_ANONYMOUS_WRITES="1000/minute",
                 OUTBOX_SWEEP_SECONDS="0.2") as s:
        yield s



def working_days(count, after=None):
    """The next `count` working days (no weekends or bank holidays) after
    `after` (default today): dates a booking can fall on."""
    day = after or local_today()
    calendar = working_calendar(day, day + dt.timedelta(days=count * 3 + 14))
    found = []
    while len(found) < count:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            found.append(day)
    return found


def slots(stack, type_id, first_day, last_day=None, headers=None, **params):
    got = call(stack, "GET", "/api/v1/bookings/slots", headers=headers, params={
        "type_id": type_id, "first_day": first_day.isoformat(),
        "last_day": (last_day or first_day).isoformat(), **params})
    assert got.status_code == 200, got.text
    return got.json()["slots"]


def hold(stack, slot, headers=None, **extra):
    return call(stack, "POST", "/api/v1/bookings/holds", headers=headers, json={
        "office_id": slot["office_id"], "type_id": slot["type_id"], "start": slot["start"],
        **extra})


def confirm(stack, reference, secret, **details):
    body = {"name": "Sam Jones", "email": "sam@example.com", **details}
    return call(stack, "POST", f"/api/v1/bookings/{reference}/confirm", json=body,
                headers=secret_header(secret))


def book(stack, slot, **details):
    """Holds and confirms a slot over the JSON API: (reference, secret)."""
    held = hold(stack, slot)
    assert held.status_code == 201, held.text
    body = held.json()
    done = confirm(stack, body["reference"], body["secret"], **details)
    assert done.status_code == 200, done.text
    return body["reference"], body["secret"]


def case_headers(reference, code):
    return {"X-Case-Reference": reference, "X-Resident-Secret": code}


def triaged_case(stack, answers, timeout=20):
    """A person's housing triage over the JSON API, then waits until bookings
    has heard of the case (CaseTriaged): (reference, case code, case)."""
    _, sent = file_case(stack, answers)
    reference, code = sent["reference"], sent["secret"]
    first = local_today()
    deadline = time.monotonic() + timeout
    while True:
        got = call(stack, "GET", "/api/v1/bookings/slots", headers=case_headers(
            reference, code), params={"type_id": type_for(sent["case"]["urgency"]),
                                      "first_day": first.isoformat(),
                                      "last_day": (first + dt.timedelta(days=14)).isoformat()})
        if got.status_code != 404:
            return reference, code, sent["case"]
        assert got.json()["error"]["code"] == "case_not_found", got.text
        if time.monotonic() > deadline:
            raise AssertionError(f"bookings never heard of case {reference}")
        time.sleep(0.3)


def type_for(urgency):
    return "housing-emergency" if urgency == "emergency" else "housing-options"
