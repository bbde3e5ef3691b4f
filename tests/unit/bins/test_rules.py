"""Every rule and boundary of reporting a missed collection."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.bins.domain.model import Collection, ExceptionKind, PropertyService, Service
from services.bins.domain.rules import (
    Accepted, Duplicate, ReportSettings, check_missed_report, return_visit_due,
    window)
from services.kit.rules import RuleBroken
from services.council.workdays import england_and_wales

D = dt.date
LONDON = ZoneInfo("Europe/London")
UTC = dt.timezone.utc
CAL = england_and_wales(range(2025, 2029))
SETTINGS = ReportSettings()


def at(y, m, d, hh=12, mm=0, ss=0, tz=LONDON):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=tz)


FIRST_MONDAY = D(2026, 3, 2)


def decide(now, day=FIRST_MONDAY, service=Service.REFUSE, receives=True, completed_at=None,
           exception=None, open_report=None, subscribed_until=None, collection=True,
           scheduled_for=None):
    ps = PropertyService("100023336956", service, "R0", subscribed_until=subscribed_until) \
        if receives else None
    coll = Collection("R0", service, day, scheduled_for or day) if collection else None
    return check_missed_report(
        service=service, property_service=ps, collection=coll, completed_at=completed_at,
        exception=exception, open_report=open_report, now=now, calendar=CAL,
        settings=SETTINGS, asked_for=day)


# Monday 2 March 2026: an ordinary week, GMT.
@pytest.mark.parametrize("now, outcome", [
    (at(2026, 3, 2, 9), "crew_still_working"),
    (at(2026, 3, 2, 16, 59, 59), "crew_still_working"),
    (at(2026, 3, 2, 17), "accepted"),
    (at(2026, 3, 4, 23, 59, 59), "accepted"),       # the last second of the 2nd working day
    (at(2026, 3, 5, 0, 0, 0), "report_window_closed"),
    (at(2026, 3, 1, 12), "collection_not_due"),
])
def test_window_on_an_ordinary_monday(now, outcome):
    got = decide(now)
    assert (got.code if isinstance(got, RuleBroken) else "accepted") == outcome


def test_window_opens_when_the_crew_finish_early():
    done = at(2026, 3, 2, 11, 30)
    assert isinstance(decide(at(2026, 3, 2, 11, 29), completed_at=done), RuleBroken)
    assert isinstance(decide(at(2026, 3, 2, 11, 31), completed_at=done), Accepted)


def test_the_crew_still_working_message_is_the_one_residents_see():
    got = decide(at(2026, 3, 2, 10))
    assert got.reason.startswith("The crew are still working in your area today")
    assert "from 5pm" in got.reason


def test_bank_holidays_do_not_count_towards_the_window():
    # Thursday 2 April 2026: Good Friday and Easter Monday follow, so the
    # window runs to the end of Wednesday 8 April.
    day = D(2026, 4, 2)
    assert isinstance(decide(at(2026, 4, 8, 23, 59), day=day), Accepted)
    late = decide(at(2026, 4, 9, 0, 1), day=day)
    assert late.code == "report_window_closed"
    assert "Wednesday 8 April" in late.reason


def test_a_collection_moved_by_a_bank_holiday_is_reported_on_its_new_day():
    # Easter Monday's round runs on Tuesday 7 April.
    day, scheduled = D(2026, 4, 7), D(2026, 4, 6)
    assert decide(at(2026, 4, 7, 10), day=day, scheduled_for=scheduled).code == \
        "crew_still_working"
    assert isinstance(decide(at(2026, 4, 9, 23), day=day, scheduled_for=scheduled), Accepted)
    assert decide(at(2026, 4, 10, 0, 0), day=day,
                  scheduled_for=scheduled).code == "report_window_closed"


def test_clock_change_weekend_spring():
    # Friday 27 March 2026 (GMT); clocks go forward on Sunday 29 March. The
    # window ends at midnight BST at the end of Tuesday 31 March: 23:00 UTC.
    day = D(2026, 3, 27)
    assert isinstance(decide(dt.datetime(2026, 3, 31, 22, 59, 59, tzinfo=UTC), day=day),
                      Accepted)
    assert decide(dt.datetime(2026, 3, 31, 23, 0, tzinfo=UTC), day=day).code == \
        "report_window_closed"


def test_default_opening_is_five_pm_local_in_summer_time():
    day = D(2026, 3, 30)  # the first Monday in BST: 17:00 BST is 16:00 UTC
    assert decide(dt.datetime(2026, 3, 30, 15, 59, tzinfo=UTC), day=day).code == \
        "crew_still_working"
    assert isinstance(decide(dt.datetime(2026, 3, 30, 16, 0, tzinfo=UTC), day=day), Accepted)


def test_clock_change_weekend_autumn():
    # Friday 23 October 2026 (BST); clocks go back on Sunday 25 October, so
    # the window closing at the end of Tuesday 27 October is midnight GMT.
    day = D(2026, 10, 23)
    assert isinstance(decide(dt.datetime(2026, 10, 27, 23, 59, tzinfo=UTC), day=day), Accepted)
    assert decide(dt.datetime(2026, 10, 28, 0, 0, tzinfo=UTC), day=day).code == \
        "report_window_closed"


def test_christmas_week():
    # Christmas Day 2026 is a Friday: its round runs on Saturday 26th; the
    # Monday 28th and Friday 1 January are bank holidays.
    day = D(2026, 12, 26)
    w = window(day, None, CAL, SETTINGS)
    assert w.closes_at == at(2026, 12, 31, 0, 0)  # end of Wednesday 30 December
    assert isinstance(decide(at(2026, 12, 30, 20), day=day, scheduled_for=D(2026, 12, 25)),
                      Accepted)
    assert decide(at(2026, 12, 31, 8), day=day).code == "report_window_closed"


def test_property_without_the_service():
    got = decide(at(2026, 3, 2, 18), service=Service.FOOD, receives=False)
    assert got.code == "service_not_provided"
    assert "food waste" in got.reason


@pytest.mark.parametrize("subscribed_until, outcome", [
    (None, "garden_subscription_inactive"),
    (D(2026, 3, 1), "garden_subscription_inactive"),  # lapsed the day before
    (D(2026, 3, 2), "accepted"),                       # paid up to that day
    (D(2027, 3, 31), "accepted"),
])
def test_garden_waste_needs_an_active_subscription(subscribed_until, outcome):
    got = decide(at(2026, 3, 2, 18), service=Service.GARDEN, subscribed_until=subscribed_until)
    assert (got.code if isinstance(got, RuleBroken) else "accepted") == outcome


def test_no_collection_that_day():
    got = decide(at(2026, 3, 3, 18), day=D(2026, 3, 3), collection=False)
    assert got.code == "not_scheduled"
    assert "Tuesday 3 March" in got.reason


@pytest.mark.parametrize("kind, words", [
    (ExceptionKind.BIN_NOT_OUT, "not out for collection"),
    (ExceptionKind.CONTAMINATED, "wrong things in it"),
    (ExceptionKind.NO_ACCESS, "could not get to your bin"),
    (ExceptionKind.EXCESS_WASTE, "extra waste"),
])
def test_crew_exceptions_are_explained(kind, words):
    got = decide(at(2026, 3, 2, 18), exception=kind)
    assert got.code == f"crew_exception_{kind.value}"
    assert words in got.reason and "Monday 2 March" in got.reason


def test_an_open_report_is_returned_not_duplicated():
    got = decide(at(2026, 3, 3, 9), open_report="MB-7K3Q-92")
    assert got == Duplicate("MB-7K3Q-92")
    # even once the window has closed, the resident gets their reference back
    assert decide(at(2026, 3, 9, 9), open_report="MB-7K3Q-92") == Duplicate("MB-7K3Q-92")


@pytest.mark.parametrize("filed, due", [
    (at(2026, 3, 2, 18), at(2026, 3, 4, 0, 0)),    # Monday evening: by end of Tuesday
    (at(2026, 3, 6, 18), at(2026, 3, 10, 0, 0)),   # Friday: by end of Monday
    (at(2026, 4, 2, 18), at(2026, 4, 8, 0, 0)),    # before Easter: by end of Tuesday 7th
    (dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC), at(2026, 3, 4, 0, 0)),
])
def test_return_visit_due_by_end_of_next_working_day(filed, due):
    assert return_visit_due(filed, CAL, SETTINGS) == due


def test_an_accepted_report_carries_its_return_visit_deadline():
    got = decide(at(2026, 3, 2, 18))
    assert got == Accepted(at(2026, 3, 4, 0, 0))


def test_a_late_completion_cannot_hold_the_window_shut():
    late = at(2026, 3, 2, 19, 30)
    assert isinstance(decide(at(2026, 3, 2, 17, 1), completed_at=late), Accepted)
    far_future = at(2030, 1, 1, 9)
    assert isinstance(decide(at(2026, 3, 3, 9), completed_at=far_future), Accepted)
