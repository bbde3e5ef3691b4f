"""Never overbooked, however many people click at once; housing cases book
within the window their urgency allows; the waiting list gets freed places."""
import datetime as dt
import json
import random
import uuid

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook

from services.bookings.service import BookingsService
from tests.integration.bookings.conftest import CLOCK, query, wait_for_case

WEDNESDAY = dt.date(2026, 12, 2)


def refused(call):
    with pytest.raises(RemoteError) as err:
        call()
    return err.value.exc_type, json.loads(err.value.value)


@pytest.fixture
def crowd(container_factory, bookings_config):
    """Three instances with 20 workers each, as a busy deployment would run."""
    config = dict(bookings_config, max_workers=20)
    for _ in range(3):
        container_factory(BookingsService, config).start()
    return config


def test_200_people_at_once_for_3_places_make_exactly_3_bookings(crowd, bookings_db):
    config = crowd
    # council tax at the Town Hall, raised to 3 places with a third adviser
    start, office, type_id = "2026-12-02T09:00:00+00:00", "town-hall", "council-tax"
    query(bookings_db, "UPDATE appointment_types SET advisers_at_once = 3 WHERE id = %s",
          type_id)
    query(bookings_db, "INSERT INTO advisers (id, office_id, type_ids, pattern) "
          "VALUES ('adviser-extra', 'town-hall', ARRAY['council-tax'], "
          "'{\"2\": [[\"09:00\", \"17:00\"]]}') ON CONFLICT DO NOTHING")
    try:
        outcomes = []

        def attempt(i):
            with ServiceRpcProxy("bookings", config) as rpc:
                try:
                    held = rpc.hold(office, type_id, start)
                    rpc.confirm(held["reference"], held["secret"], name=f"Person {i}",
                                email=f"p{i}@example.com")
                    return "booked"
                except RemoteError as err:
                    return err.exc_type

        pool = eventlet.GreenPool(200)
        outcomes = list(pool.imap(attempt, range(200)))
    finally:
        query(bookings_db, "UPDATE appointment_types SET advisers_at_once = 2 WHERE id = %s",
              type_id)
        query(bookings_db, "DELETE FROM advisers WHERE id = 'adviser-extra'")

    assert outcomes.count("booked") == 3
    assert outcomes.count("SlotConflict") == 197
    rows = query(bookings_db, "SELECT capacity, taken FROM slots")
    assert rows == [{"capacity": 3, "taken": 3}]
    assert query(bookings_db, "SELECT count(*) AS n FROM bookings "
                              "WHERE status = 'confirmed'")[0]["n"] == 3


def test_random_books_cancels_moves_and_lapses_never_exceed_capacity(crowd, bookings_db):
    rnd = random.Random(7)
    with ServiceRpcProxy("bookings", crowd) as rpc:
        slots = rpc.search("council-tax", WEDNESDAY.isoformat(), WEDNESDAY.isoformat())["slots"][:4]
    mine = []

    def act(i):
        with ServiceRpcProxy("bookings", crowd) as rpc:
            for _ in range(6):
                choice = rnd.random()
                slot = rnd.choice(slots)
                try:
                    if choice < 0.5 or not mine:
                        held = rpc.hold(slot["office_id"], slot["type_id"], slot["start"])
                        if rnd.random() < 0.7:
                            rpc.confirm(held["reference"], held["secret"], name="P",
                                        email="p@example.com")
                            mine.append(held)
                    elif choice < 0.75:
                        held = mine.pop(rnd.randrange(len(mine)))
                        rpc.cancel(held["reference"], secret=held["secret"])
                    else:
                        held = rnd.choice(mine)
                        rpc.reschedule(held["reference"], slot["office_id"], slot["start"],
                                       secret=held["secret"])
                except (RemoteError, IndexError):
                    pass

    pool = eventlet.GreenPool(40)
    list(pool.imap(act, range(40)))
    CLOCK.advance(minutes=11)                          # every unconfirmed hold lapses
    with ServiceRpcProxy("bookings", crowd) as rpc:
        rpc.search("council-tax", WEDNESDAY.isoformat(), WEDNESDAY.isoformat())

    rows = query(bookings_db, """
        SELECT s.capacity, s.taken,
               (SELECT count(*) FROM bookings b WHERE b.slot_id = s.id
                  AND b.status IN ('held', 'confirmed')) AS live
          FROM slots s""")
    assert rows, "the run made no bookings at all"
    for row in rows:
        assert row["live"] <= row["capacity"]
        assert row["taken"] == row["live"]
    assert sum(r["live"] for r in rows) > 0


def test_a_triaged_case_books_within_its_window_once(bookings, triaged, bookings_db, listen):
    booked = listen("SlotBooked")
    case = triaged("high")                             # 2 working days: up to Thursday
    assert wait_for_case(bookings_db, case["reference"])
    found = bookings.search("housing-options", "2026-12-01", "2026-12-10",
                            case_reference=case["reference"])["slots"]
    assert {s["start"][:10] for s in found} == {"2026-12-01", "2026-12-02", "2026-12-03"}

    kind, body = refused(lambda: bookings.hold("town-hall", "housing-options",
                                               "2026-12-07T09:00:00+00:00",
                                               case_reference=case["reference"]))
    assert body["code"] == "outside_window"
    first, other = found[0], found[-1]
    kind, body = refused(lambda: bookings.hold(first["office_id"], "housing-options",
                                               first["start"]))
    assert body["code"] == "case_needed"

    held = bookings.hold(first["office_id"], "housing-options", first["start"],
                         case_reference=case["reference"])
    bookings.confirm(held["reference"], held["secret"], name="Sam", phone="07700 900123")
    kind, body = refused(lambda: bookings.hold(other["office_id"], "housing-options",
                                               other["start"],
                                               case_reference=case["reference"]))
    assert body["code"] == "case_already_booked"
    got = booked.collect(1, settle=0.5)
    assert got[0].payload["data"]["case_id"] == case["case_id"]


def test_case_triaged_is_recorded_once_and_advice_gets_no_appointment(bookings, triaged,
                                                                      bookings_db):
    event_id = str(uuid.uuid4())
    advice = triaged("advice", event_id=event_id)
    triaged("advice", event_id=event_id, case_id=advice["case_id"],
            reference=advice["reference"])
    assert wait_for_case(bookings_db, advice["reference"])
    eventlet.sleep(0.5)
    assert query(bookings_db, "SELECT count(*) AS n FROM inbox")[0]["n"] == 1
    kind, body = refused(lambda: bookings.search("housing-options", "2026-12-01",
                                                 "2026-12-10",
                                                 case_reference=advice["reference"]))
    assert body["code"] == "advice_only"


def test_emergency_cases_have_ring_fenced_same_day_places(bookings, triaged, bookings_db):
    cases = [triaged("emergency") for _ in range(3)]
    for case in cases:
        assert wait_for_case(bookings_db, case["reference"])
    found = bookings.search("housing-emergency", "2026-12-01", "2026-12-05",
                            office_id="town-hall",
                            case_reference=cases[0]["reference"])["slots"]
    assert {s["start"][:10] for s in found} == {"2026-12-01"}
    for case, slot in zip(cases[:2], found):
        bookings.hold("town-hall", "housing-emergency", slot["start"],
                      case_reference=case["reference"])
    kind, body = refused(lambda: bookings.hold("town-hall", "housing-emergency",
                                               found[3]["start"],
                                               case_reference=cases[2]["reference"]))
    assert body["code"] == "emergency_places_taken"


def test_a_cancelled_place_is_offered_to_the_waiting_list_then_the_next(
        bookings, triaged, bookings_db, listen):
    offers = listen("WaitlistOfferMade")
    slot = bookings.search("council-tax", WEDNESDAY.isoformat(), WEDNESDAY.isoformat())[
        "slots"][0]
    taken = []
    for _ in range(2):
        held = bookings.hold(slot["office_id"], slot["type_id"], slot["start"])
        bookings.confirm(held["reference"], held["secret"], name="P", email="p@example.com")
        taken.append(held)
    first = bookings.join_waitlist("council-tax", office_id="town-hall")
    second = bookings.join_waitlist("council-tax", office_id="town-hall")

    bookings.cancel(taken[0]["reference"], secret=taken[0]["secret"])
    got = offers.collect(1, settle=0.5)
    assert [m.payload["data"]["waitlist_id"] for m in got] == [first["waitlist_id"]]

    CLOCK.advance(minutes=11)                          # the offer lapses
    with entrypoint_hook(bookings.container, "expire_holds") as expire:
        expire()
    got = offers.collect(1, settle=0.5)
    assert [m.payload["data"]["waitlist_id"] for m in got] == [second["waitlist_id"]]
    statuses = {r["id"]: r["status"] for r in query(bookings_db,
                                                    "SELECT id, status FROM waitlist")}
    assert statuses == {first["waitlist_id"]: "lapsed", second["waitlist_id"]: "offered"}
    assert query(bookings_db, "SELECT taken, capacity FROM slots") == [
        {"taken": 2, "capacity": 2}]
