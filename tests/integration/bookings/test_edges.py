"""The edges a review of the booking rules found: counters that must not
drift, offers that must not undo a cancellation, people swapping times at
once, windows that count from the day of triage."""
import datetime as dt

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook

from tests.integration.bookings.conftest import CLOCK, query, wait_for_case

WEDNESDAY = dt.date(2026, 12, 2)


def council_tax(bookings, n=2):
    return bookings.search("council-tax", WEDNESDAY.isoformat(),
                           WEDNESDAY.isoformat())["slots"][:n]


def book(bookings, slot, **kw):
    held = bookings.hold(slot["office_id"], slot["type_id"], slot["start"], **kw)
    bookings.confirm(held["reference"], held["secret"], name="P", email="p@example.com")
    return held


def test_emergency_places_come_back_when_holds_lapse_or_are_cancelled(bookings, triaged,
                                                                      bookings_db):
    cases = [triaged("emergency") for _ in range(2)]
    for case in cases:
        assert wait_for_case(bookings_db, case["reference"])
    slots = bookings.search("housing-emergency", "2026-12-01", "2026-12-01",
                            office_id="town-hall", case_reference=cases[0]["reference"])["slots"]
    first = bookings.hold("town-hall", "housing-emergency", slots[0]["start"],
                          case_reference=cases[0]["reference"])
    bookings.hold("town-hall", "housing-emergency", slots[1]["start"],
                  case_reference=cases[1]["reference"])
    bookings.cancel(first["reference"], secret=first["secret"])   # an unconfirmed hold
    CLOCK.advance(minutes=11)                                      # the other lapses
    with entrypoint_hook(bookings.container, "expire_holds") as expire:
        expire()
    assert query(bookings_db, "SELECT taken FROM ring_fences") == [{"taken": 0}]
    assert query(bookings_db, "SELECT sum(taken) AS n FROM slots")[0]["n"] == 0


def test_an_offer_that_cannot_be_made_passes_to_the_next_and_the_cancel_stands(
        bookings, triaged, bookings_db, listen):
    offers = listen("WaitlistOfferMade")
    case, holder = triaged("high"), triaged("high")
    for each in (case, holder):
        assert wait_for_case(bookings_db, each["reference"])
    full = bookings.search("housing-options", "2026-12-02", "2026-12-03",
                           office_id="northgate", case_reference=case["reference"])["slots"][0]
    # housing options at Northgate: one adviser, so one place
    mine = book(bookings, full, case_reference=holder["reference"])
    # waiting: first the case, then someone else
    waiting_case = bookings.join_waitlist("housing-options", case_reference=case["reference"],
                                          office_id="northgate")
    other_case = triaged("high")
    assert wait_for_case(bookings_db, other_case["reference"])
    other = bookings.join_waitlist("housing-options", case_reference=other_case["reference"],
                                   office_id="northgate")
    # the first case books some other time meanwhile, so cannot take an offer
    elsewhere = bookings.search("housing-options", "2026-12-01", "2026-12-03",
                                office_id="town-hall",
                                case_reference=case["reference"])["slots"][0]
    book(bookings, elsewhere, case_reference=case["reference"])

    cancelled = bookings.cancel(mine["reference"], secret=mine["secret"])
    assert cancelled["status"] == "cancelled"
    got = offers.collect(1, settle=0.5)
    assert [m.payload["data"]["waitlist_id"] for m in got] == [other["waitlist_id"]]
    offer = bookings.waitlist_offer(other["waitlist_id"], other["code"])["offer"]
    assert offer["status"] == "held"
    done = bookings.confirm(offer["reference"], offer["secret"], name="Q", phone="07700 900456")
    assert done["status"] == "confirmed"
    statuses = {r["id"]: r["status"] for r in query(bookings_db,
                                                    "SELECT id, status FROM waitlist")}
    assert statuses == {waiting_case["waitlist_id"]: "left", other["waitlist_id"]: "booked"}


def test_two_people_swapping_times_at_once_never_deadlock(bookings, bookings_config,
                                                         bookings_db):
    first, second = council_tax(bookings)
    a, b = book(bookings, first), book(bookings, second)

    def move(args):
        held, slot = args
        with ServiceRpcProxy("bookings", bookings_config) as rpc:
            try:
                return rpc.reschedule(held["reference"], slot["office_id"], slot["start"],
                                      secret=held["secret"])["start"]
            except RemoteError as err:
                return err.exc_type

    pool = eventlet.GreenPool()
    results = list(pool.imap(move, [(a, second), (b, first)] * 3))
    assert "UnexpectedError" not in results and "DeadlockDetected" not in results
    rows = query(bookings_db, "SELECT capacity, taken, (SELECT count(*) FROM bookings b "
                              "WHERE b.slot_id = s.id AND b.status = 'confirmed') AS live "
                              "FROM slots s")
    assert all(r["taken"] == r["live"] <= r["capacity"] for r in rows)


def test_the_window_counts_from_the_day_of_triage(bookings, triaged, bookings_db):
    case = triaged("high")                      # Tuesday: up to Thursday
    assert wait_for_case(bookings_db, case["reference"])
    CLOCK.set(2026, 12, 4, 8, 0)                # Friday: the window has passed
    found = bookings.search("housing-options", "2026-12-04", "2026-12-11",
                            case_reference=case["reference"])["slots"]
    assert found == []


def test_an_adviser_takes_one_type_and_must_work_at_a_real_office(bookings):
    with pytest.raises(RemoteError) as err:
        bookings.save_adviser({"id": "x", "office_id": "town-hall",
                               "type_ids": ["council-tax", "housing-options"],
                               "pattern": {"0": [["09:00", "17:00"]]}})
    assert err.value.exc_type == "ValidationError" and "type_ids" in err.value.value
    with pytest.raises(RemoteError) as err:
        bookings.save_adviser({"id": "x", "office_id": "nowhere", "type_ids": ["council-tax"],
                               "pattern": {"0": [["09:00", "17:00"]]}})
    assert err.value.exc_type == "ValidationError" and "office_id" in err.value.value
