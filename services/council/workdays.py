"""Working days for a council in England and Wales: Monday to Friday, less
bank holidays, which come from the maintained `holidays` package rather than
a hand-kept list.

Pure: no framework, no I/O beyond the package's own tables.
"""
import datetime as dt
import functools
from collections.abc import Iterable

ONE_DAY = dt.timedelta(days=1)


class WorkingCalendar:
    """Working days for one council: Monday to Friday, less bank holidays."""

    def __init__(self, bank_holidays: Iterable[dt.date]) -> None:
        self.bank_holidays = frozenset(d for d in bank_holidays if d.weekday() < 5)

    def is_bank_holiday(self, day: dt.date) -> bool:
        return day in self.bank_holidays

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.bank_holidays

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (`day` itself does not count)."""
        while n > 0:
            day += ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day


def england_and_wales(years: Iterable[int]) -> WorkingCalendar:
    """The bank holidays of England and Wales, from the `holidays` package."""
    import holidays

    return WorkingCalendar(holidays.country_holidays("GB", subdiv="ENG", years=list(years)))


@functools.lru_cache(maxsize=8)
def _calendar(first_year: int, last_year: int) -> WorkingCalendar:
    return england_and_wales(range(first_year, last_year + 1))


def working_calendar(*days: dt.date) -> WorkingCalendar:
    """Bank holidays covering the given dates, with a year either side so
    windows and moves that cross a new year see both."""
    years = [d.year for d in days]
    return _calendar(min(years) - 1, max(years) + 1)
