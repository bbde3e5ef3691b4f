"""Bin days: which dates a round visits, after bank holidays move them.

Bank holiday policies (`HOLIDAY_POLICY`):
- "shift_week" (default, what most councils do): in a Monday-to-Friday week
  with a bank holiday, every collection on or after the holiday moves one day
  later per holiday; a collection that then lands on a bank holiday moves
  on to the next day that is not one, and no move goes past Saturday, the
  week's catch-up day (so with two holidays in a week, Thursday's and
  Friday's rounds may both run on Saturday).
- "next_working_day": only a collection that falls on the holiday itself
  moves, to the next working day.
- "none": nothing moves.
Only bank holidays that fall on a weekday count: when Christmas Day is a
Saturday, the substitute Monday is the bank holiday.
"""
import dataclasses
import datetime as dt

from services.bins.domain.model import Collection, Frequency

POLICIES = ("shift_week", "next_working_day", "none")
ONE_DAY = dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class ScheduleSettings:
    policy: str = "shift_week"
    # The Monday of a week A; fortnightly rounds alternate from it.
    fortnight_anchor: dt.date = dt.date(2024, 1, 1)

    def __post_init__(self):
        if self.policy not in POLICIES:
            raise ValueError(f"unknown bank holiday policy {self.policy!r}")
        if self.fortnight_anchor.weekday() != 0:
            raise ValueError("the fortnight anchor must be a Monday")


def monday_of(day):
    return day - dt.timedelta(days=day.weekday())


def week_letter(day, settings):
    weeks = (monday_of(day) - settings.fortnight_anchor).days // 7
    return "A" if weeks % 2 == 0 else "B"


def moved_date(scheduled, calendar, policy):
    """Where a collection due on `scheduled` really happens."""
    if policy == "none":
        return scheduled
    if policy == "next_working_day":
        if calendar.is_bank_holiday(scheduled):
            return calendar.add_working_days(scheduled, 1)
        return scheduled
    week_start = monday_of(scheduled)
    shift = sum(1 for i in range(scheduled.weekday() + 1)
                if calendar.is_bank_holiday(week_start + dt.timedelta(days=i)))
    day = scheduled + dt.timedelta(days=shift)
    while calendar.is_bank_holiday(day):
        day += ONE_DAY
    # Saturday is the week's catch-up day: a move never spills into the
    # next week, where that week's own rounds are due.
    return min(day, week_start + dt.timedelta(days=5))


def _scheduled_dates(rnd, start, end, settings):
    day = monday_of(start) + dt.timedelta(days=rnd.weekday)
    while day <= end:
        if rnd.frequency is Frequency.WEEKLY or week_letter(day, settings) == rnd.week:
            yield day
        day += dt.timedelta(days=7)


def collections(rnd, start, end, calendar, settings):
    """Every collection of `rnd` that really happens between start and end
    (inclusive), in date order."""
    # A collection due up to a week before `start` can be moved into range.
    found = []
    for scheduled in _scheduled_dates(rnd, start - dt.timedelta(days=7), end, settings):
        actual = moved_date(scheduled, calendar, settings.policy)
        if start <= actual <= end:
            found.append(Collection(rnd.id, rnd.service, actual, scheduled))
    return found


def last_and_next(rnd, today, calendar, settings, weeks=4):
    """The latest collection on or before today, and those after it, for
    `weeks` weeks ahead."""
    past = collections(rnd, today - dt.timedelta(days=21), today, calendar, settings)
    ahead = collections(rnd, today + ONE_DAY, today + dt.timedelta(weeks=weeks),
                        calendar, settings)
    return (past[-1] if past else None), ahead


def collection_on(rnd, day, calendar, settings):
    """The collection of `rnd` that really happens on `day`, if any."""
    found = collections(rnd, day, day, calendar, settings)
    return found[0] if found else None
