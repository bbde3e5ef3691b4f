"""The bookings use cases (services/bookings/app.py) without a database: an
in-memory store and a fake outbox, at fixed times. Monday 7 December 2026
is in GMT, so local and UTC times agree."""
import datetime as dt
import uuid

import pytest

from services.bookings import app
from services.bookings.errors import BookingNotFound, CaseNotFound
from services.bookings.contract import CATALOGUE
from services.bookings.settings import BookingsSettings
from tests.support.fake_uow import FakeUnitOfWork, refused
from tests.unit.bookings.fake_store import FakeBookingsStore

UTC = dt.timezone.utc
SETTINGS = BookingsSettings(secret_key=b"k" * 32)
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday, before the offices open
MONDAY, TUESDAY = dt.date(2026, 12, 7), dt.date(2026, 12, 8)
TUESDAY_10 = dt.datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), UTC)


@pytest.fixture
def store():
    return FakeBookingsStore()


@pytest.fixture
def uow(store):
    return FakeUnitOfWork(store, CATALOGUE)


def add_case(store, urgency, triaged_on=MONDAY, reference=None):
    case_id = uuid.uuid4()
    reference = reference or f"HL-{urgency.upper()}-{len(store.cases)}"
    store.record_case({"case_id": case_id, "reference": reference, "urgency": urgency,
                       "appointment_type": None, "triaged_on": triaged_on,
                       "triaged_at": at(triaged_on, 9)})
    return reference


def hold(uow, start=TUESDAY_10, type_id="council-tax", office_id="town-hall", now=NOW,
         **kwargs):
    return app.hold(uow, SETTINGS, now, office_id, type_id, start, **kwargs)


def booked(uow, start=TUESDAY_10, now=NOW, **kwargs):
    held = hold(uow, start, now=now, **kwargs)
    app.confirm(uow, SETTINGS, now, held["reference"], held["secret"], "A Person",
                email="person@example.com")
    return held


def taken(store, start=TUESDAY_10, type_id="council-tax"):
    return sum(s["taken"] for s in store.slots.values()
               if s["starts_at"] == start and s["type_id"] == type_id)


# -- holding and confirming --------------------------------------------------------


def test_a_held_place_is_booked_once_confirmed(store, uow):
    held = hold(uow)
    assert held["status"] == "held" and held["start"] == TUESDAY_10.isoformat()
    assert held["hold_expires_at"] == (NOW + dt.timedelta(minutes=10)).isoformat()
    assert taken(store) == 1 and uow.events == []

    view = app.confirm(uow, SETTINGS, NOW, held["reference"], held["secret"], "A Person",
                       email="person@example.com")

    assert view["status"] == "confirmed"
    [event] = uow.published("SlotBooked")
    assert event["reference"] == held["reference"] and event["booked_by"] == "resident"
    booking_id = uuid.UUID(event["booking_id"])
    assert store.reminders[booking_id]["due_at"] == TUESDAY_10 - dt.timedelta(hours=24)


def test_confirming_twice_gives_the_same_answer_and_one_event(uow):
    held = booked(uow)
    again = app.confirm(uow, SETTINGS, NOW, held["reference"], held["secret"], "A Person")
    assert again["status"] == "confirmed"
    assert len(uow.published("SlotBooked")) == 1


def test_a_lapsed_hold_cannot_be_confirmed(uow):
    held = hold(uow)
    late = NOW + dt.timedelta(minutes=10)
    error = refused(app.confirm, uow, SETTINGS, late, held["reference"], held["secret"],
                    "A Person")
    assert error.code == "hold_expired"
    assert error.reason == ("We could only keep that time for you for 10 minutes. "
                            "Choose a time again.")


def test_a_wrong_code_is_not_found(uow):
    held = hold(uow)
    with pytest.raises(BookingNotFound):
        app.confirm(uow, SETTINGS, NOW, held["reference"], "WRONG-CODE", "A Person")


def test_a_retried_hold_with_its_key_is_the_same_hold(store, uow):
    first = hold(uow, idempotency_key="key-1")
    second = hold(uow, idempotency_key="key-1")
    assert second == first and taken(store) == 1


def test_a_full_slot_offers_the_nearest_free_times(store, uow):
    hold(uow)
    hold(uow)  # two advisers do council tax on Tuesday mornings
    error = refused(hold, uow)
    assert (error.code, error.conflict) == ("slot_full", True)
    assert error.extra["alternatives"]
    assert all(a["start"] != TUESDAY_10.isoformat() for a in error.extra["alternatives"])
    assert taken(store) == 2


def test_a_time_that_has_passed_cannot_be_held(uow):
    error = refused(hold, uow, now=TUESDAY_10)
    assert error.code == "slot_in_the_past"


def test_an_office_without_step_free_access_is_refused_to_who_needs_it(store, uow):
    case = add_case(store, "high")
    start = at(TUESDAY, 9, 30)
    error = refused(hold, uow, start, "housing-options", "northgate", case_reference=case,
                    step_free=True)
    assert error.code == "office_not_step_free"

# -- what a case may book ----------------------------------------------------------


def test_a_housing_appointment_needs_a_case(store, uow):
    error = refused(hold, uow, TUESDAY_10, "housing-options")
    assert error.code == "case_needed"
    with pytest.raises(CaseNotFound):
        hold(uow, TUESDAY_10, "housing-options", case_reference="HL-UNKNOWN")


def test_an_advice_only_case_books_nothing(store, uow):
    case = add_case(store, "advice")
    error = refused(hold, uow, TUESDAY_10, "housing-options", case_reference=case)
    assert error.code == "advice_only"


def test_a_case_books_within_its_window(store, uow):
    case = add_case(store, "high")  # Monday + 2 working days: up to Wednesday
    error = refused(hold, uow, at(dt.date(2026, 12, 10), 10), "housing-options",
                    case_reference=case)
    assert error.code == "outside_window"
    assert error.reason == ("You can book up to Wednesday 9 December 2026. "
                            "Choose an earlier time.")
    assert hold(uow, TUESDAY_10, "housing-options", case_reference=case)["status"] == "held"


def test_a_case_needs_the_right_kind_of_appointment(store, uow):
    case = add_case(store, "standard")
    error = refused(hold, uow, at(MONDAY, 10), "housing-emergency", case_reference=case)
    assert error.code == "wrong_appointment_type"


def test_a_case_holds_one_appointment_at_a_time(store, uow):
    case = add_case(store, "high")
    hold(uow, TUESDAY_10, "housing-options", case_reference=case)
    error = refused(hold, uow, at(TUESDAY, 13, 30), "housing-options",
                    case_reference=case)
    assert error.code == "case_already_booked"


def test_emergency_cases_share_the_places_kept_back_each_day(store, uow):
    starts = [at(MONDAY, 10), at(MONDAY, 11), at(MONDAY, 12)]
    for start in starts[:2]:
        held = hold(uow, start, "housing-emergency", case_reference=add_case(store, "emergency"))
        assert held["status"] == "held"
    error = refused(hold, uow, starts[2], "housing-emergency",
                    case_reference=add_case(store, "emergency"))
    assert (error.code, error.conflict) == ("emergency_places_taken", True)
    assert store.ring_fences[("town-hall", MONDAY)]["taken"] == 2


def test_search_keeps_to_the_case_window(store):
    case = add_case(store, "high")
    found = app.search(store, SETTINGS, NOW, "housing-options", MONDAY,
                       dt.date(2026, 12, 31), "town-hall", case_reference=case)["slots"]
    days = {dt.datetime.fromisoformat(s["start"]).date() for s in found}
    assert days == {MONDAY, TUESDAY, dt.date(2026, 12, 9)}

# -- cancelling and moving ---------------------------------------------------------


def test_a_resident_cannot_cancel_within_24_hours_but_staff_can(store, uow):
    held = booked(uow)
    late = TUESDAY_10 - dt.timedelta(hours=23)
    error = refused(app.cancel, uow, SETTINGS, late, held["reference"], held["secret"])
    assert error.code == "too_late_to_change"
    assert error.reason.endswith("Call us instead on 020 7946 0000.")

    view = app.cancel(uow, SETTINGS, late, held["reference"], staff_id="staff-1")

    assert view["status"] == "cancelled" and taken(store) == 0
    [event] = uow.published("BookingCancelled")
    assert event["cancelled_by"] == "staff-1"


def test_letting_go_of_a_hold_tells_nobody(store, uow):
    held = hold(uow)
    view = app.cancel(uow, SETTINGS, NOW, held["reference"], held["secret"])
    assert view["status"] == "cancelled" and taken(store) == 0
    assert uow.events == []


def test_a_cancelled_booking_stays_cancelled(uow):
    held = booked(uow)
    app.cancel(uow, SETTINGS, NOW, held["reference"], held["secret"])
    again = app.cancel(uow, SETTINGS, NOW, held["reference"], held["secret"])
    assert again["status"] == "cancelled"
    assert len(uow.published("BookingCancelled")) == 1
    error = refused(app.reschedule, uow, SETTINGS, NOW, held["reference"], "town-hall",
                    at(dt.date(2026, 12, 9), 10), held["secret"])
    assert error.code == "booking_not_active"


def test_a_moved_booking_takes_its_new_place_and_gives_back_the_old(store, uow):
    held = booked(uow)
    wednesday_10 = at(dt.date(2026, 12, 9), 10)
    view = app.reschedule(uow, SETTINGS, NOW, held["reference"], "town-hall", wednesday_10,
                          held["secret"])
    assert view["start"] == wednesday_10.isoformat() and view["sequence"] == 1
    assert taken(store) == 0 and taken(store, wednesday_10) == 1
    [event] = uow.published("BookingRescheduled")
    assert event["previous_starts_at"] == TUESDAY_10.isoformat()
    booking_id = uuid.UUID(event["booking_id"])
    assert store.reminders[booking_id]["due_at"] == wednesday_10 - dt.timedelta(hours=24)


def test_a_move_to_a_full_time_changes_nothing(store, uow):
    held = booked(uow)
    wednesday_10 = at(dt.date(2026, 12, 9), 10)
    hold(uow, wednesday_10)
    hold(uow, wednesday_10)
    error = refused(app.reschedule, uow, SETTINGS, NOW, held["reference"], "town-hall",
                    wednesday_10, held["secret"])
    assert (error.code, error.conflict) == ("slot_full", True)
    assert taken(store) == 1 and uow.published("BookingRescheduled") == []

# -- the waiting list and reminders -------------------------------------------------


def test_without_a_case_the_waiting_list_looks_28_days_ahead(uow):
    joined = app.join_waitlist(uow, SETTINGS, NOW, "council-tax")
    assert (joined["first_day"], joined["last_day"]) == ("2026-12-07", "2027-01-04")


def test_a_case_waits_within_its_window_and_only_once(store, uow):
    case = add_case(store, "standard", triaged_on=dt.date(2026, 12, 4))
    joined = app.join_waitlist(uow, SETTINGS, NOW, "housing-options", case)
    assert (joined["first_day"], joined["last_day"]) == ("2026-12-07", "2026-12-11")
    error = refused(app.join_waitlist, uow, SETTINGS, NOW, "housing-options", case)
    assert error.code == "already_waiting"


def test_a_case_whose_window_has_passed_cannot_wait(store, uow):
    case = add_case(store, "high", triaged_on=dt.date(2026, 11, 2))
    error = refused(app.join_waitlist, uow, SETTINGS, NOW, "housing-options", case)
    assert error.code == "window_passed"
    assert error.reason == ("The time to book this appointment has passed. "
                            "Call us instead on 020 7946 0000.")


def test_a_place_given_back_is_offered_to_the_first_person_waiting(store, uow):
    held = booked(uow)
    joined = app.join_waitlist(uow, SETTINGS, NOW, "council-tax")

    app.cancel(uow, SETTINGS, NOW, held["reference"], held["secret"])

    [offer] = uow.published("WaitlistOfferMade")
    assert offer["waitlist_id"] == joined["waitlist_id"]
    assert offer["starts_at"] == TUESDAY_10.isoformat()
    seen = app.waitlist_offer(store, SETTINGS, NOW, joined["waitlist_id"], joined["code"])
    assert seen["status"] == "offered" and seen["offer"]["reference"] == offer["reference"]
    assert taken(store) == 1


def test_a_lapsed_hold_gives_its_place_back_in_the_sweep(store, uow):
    hold(uow)
    later = NOW + dt.timedelta(minutes=11)
    [slot_id] = app.slots_with_lapsed_holds(store, later)
    assert app.expire_holds_in_slot(uow, SETTINGS, later, slot_id) == 1
    assert taken(store) == 0


def test_a_reminder_goes_once_when_due(uow):
    booked(uow)
    due = TUESDAY_10 - dt.timedelta(hours=24)
    assert app.send_reminders(uow, due - dt.timedelta(minutes=1)) == 0
    assert app.send_reminders(uow, due) == 1
    assert app.send_reminders(uow, due) == 0
    assert len(uow.published("BookingReminderDue")) == 1


def test_a_triaged_case_is_recorded_on_its_local_day(store, uow):
    case_id = uuid.uuid4()
    app.record_case(uow, SETTINGS, {
        "case_id": case_id, "reference": "HL-SUMMER", "urgency": "high",
        "triaged_at": dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC)})
    assert store.case_by_id(case_id)["triaged_on"] == dt.date(2026, 7, 1)
