import datetime as dt

import pytest

from services.bins.domain.model import Frequency, Round, Service
from services.bins.domain.schedule import (
    ScheduleSettings, collection_on, collections,
    last_and_next, moved_date, week_letter)
from services.council.workdays import WorkingCalendar, england_and_wales

D = dt.date
CAL = england_and_wales(range(2025, 2029))
SHIFT = ScheduleSettings()


def weekly(weekday, service=Service.REFUSE):
    return Round(f"R{weekday}", service, weekday, Frequency.WEEKLY, None, "crew-1")


@pytest.mark.parametrize("scheduled, expected, why", [
    (D(2026, 3, 2), D(2026, 3, 2), "an ordinary Monday"),
    (D(2026, 4, 6), D(2026, 4, 7), "Easter Monday moves to Tuesday"),
    (D(2026, 4, 7), D(2026, 4, 8), "the rest of that week shifts: Tuesday to Wednesday"),
    (D(2026, 4, 10), D(2026, 4, 11), "Friday to a Saturday catch-up"),
    (D(2026, 4, 2), D(2026, 4, 2), "Thursday before Good Friday does not move"),
    (D(2026, 4, 3), D(2026, 4, 4), "Good Friday moves to Saturday"),
    (D(2026, 12, 24), D(2026, 12, 24), "Christmas Eve is an ordinary Thursday"),
    (D(2026, 12, 25), D(2026, 12, 26), "Christmas Day to Saturday 26th"),
    (D(2026, 12, 28), D(2026, 12, 29), "Boxing Day substitute Monday to Tuesday"),
    (D(2026, 12, 31), D(2027, 1, 2), "Thursday lands on New Year's Day, so Saturday"),
    (D(2027, 1, 1), D(2027, 1, 2), "two holidays that week: Friday to Saturday, not the next week"),
    (D(2027, 12, 27), D(2027, 12, 29), "two substitute days: Monday to Wednesday"),
    (D(2027, 12, 29), D(2027, 12, 31), "and Wednesday to Friday"),
])
def test_shift_week_policy(scheduled, expected, why):
    assert moved_date(scheduled, CAL, "shift_week") == expected, why


@pytest.mark.parametrize("scheduled, expected", [
    (D(2026, 4, 6), D(2026, 4, 7)),   # the holiday itself moves
    (D(2026, 4, 7), D(2026, 4, 7)),   # the rest of the week stays
    (D(2026, 12, 25), D(2026, 12, 29)),  # past the weekend and the Monday holiday
])
def test_next_working_day_policy(scheduled, expected):
    assert moved_date(scheduled, CAL, "next_working_day") == expected


def test_no_move_policy():
    assert moved_date(D(2026, 4, 6), CAL, "none") == D(2026, 4, 6)


def test_weekend_dates_labelled_holidays_are_not_bank_holidays():
    # Boxing Day 2026 is a Saturday; the bank holiday is Monday 28th.
    assert not CAL.is_bank_holiday(D(2026, 12, 26))
    assert CAL.is_bank_holiday(D(2026, 12, 28))


def test_working_days_skip_weekends_and_bank_holidays():
    assert CAL.add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 7)  # Thu -> Tue after Easter
    assert CAL.add_working_days(D(2026, 3, 6), 2) == D(2026, 3, 10)  # Fri -> Tue
    assert CAL.add_working_days(D(2026, 3, 2), 0) == D(2026, 3, 2)


def test_fortnightly_rounds_alternate_from_the_anchor():
    settings = ScheduleSettings(fortnight_anchor=D(2026, 1, 5))
    assert week_letter(D(2026, 1, 7), settings) == "A"
    assert week_letter(D(2026, 1, 12), settings) == "B"
    assert week_letter(D(2026, 1, 19), settings) == "A"
    rnd = Round("RB", Service.RECYCLING, 2, Frequency.FORTNIGHTLY, "B", "crew-2")
    got = [c.date for c in collections(rnd, D(2026, 1, 1), D(2026, 2, 10), CAL, settings)]
    assert got == [D(2026, 1, 14), D(2026, 1, 28)]


def test_a_collection_moved_into_the_range_is_included():
    # Friday 3 April 2026 (Good Friday) moves to Saturday 4 April.
    got = collections(weekly(4), D(2026, 4, 4), D(2026, 4, 5), CAL, SHIFT)
    assert [(c.scheduled_for, c.date, c.moved) for c in got] == [
        (D(2026, 4, 3), D(2026, 4, 4), True)]


def test_last_and_next():
    last, ahead = last_and_next(weekly(0), D(2026, 4, 8), CAL, SHIFT, weeks=2)
    assert last.date == D(2026, 4, 7) and last.scheduled_for == D(2026, 4, 6)
    assert [c.date for c in ahead] == [D(2026, 4, 13), D(2026, 4, 20)]


def test_collection_on_a_day():
    assert collection_on(weekly(0), D(2026, 4, 7), CAL, SHIFT).scheduled_for == D(2026, 4, 6)
    assert collection_on(weekly(0), D(2026, 4, 6), CAL, SHIFT) is None


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError):
        ScheduleSettings(policy="whenever")
    with pytest.raises(ValueError):
        ScheduleSettings(fortnight_anchor=D(2026, 1, 6))


def test_calendar_built_from_a_plain_list():
    cal = WorkingCalendar([D(2026, 6, 1)])
    assert not cal.is_working_day(D(2026, 6, 1))
    assert cal.is_working_day(D(2026, 6, 2))
