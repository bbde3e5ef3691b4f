"""The suite at four moments of a council's week, to prove no test depends
on the hour or the day it runs at:

    python -m tests.clock_lane [pytest arguments]      (make test-clocks)

Each run moves the machine's clock for pytest and every process it starts
(libfaketime, Debian's package `faketime`) to one of: the next working day
at 08:30 in London (rounds still out), the same day at 19:30 (rounds done),
the next Sunday at 11:00 and the next bank holiday in England at 10:00. The
clock is shifted by a fixed offset, so it keeps running and every process
agrees on it. PostgreSQL, RabbitMQ and Redis keep the real time, as servers
elsewhere would; the services take "now" from their own clock.
"""
import datetime as dt
import shutil
import subprocess
import sys
import time

from services.council.words import LOCAL_TIMEZONE
from services.council.workdays import working_calendar


def moments(today):
    """(name, local wall time) of the four moments after `today`."""
    calendar = working_calendar(today, today + dt.timedelta(days=400))
    working = calendar.add_working_days(today, 1)
    sunday = today + dt.timedelta(days=(6 - today.weekday()) % 7 or 7)
    bank_holiday = min(day for day in calendar.bank_holidays if day > today)

    def at(day, hour, minute=0):
        return dt.datetime.combine(day, dt.time(hour, minute), LOCAL_TIMEZONE)

    return [("weekday morning", at(working, 8, 30)),
            ("weekday evening", at(working, 19, 30)),
            ("Sunday", at(sunday, 11)),
            ("bank holiday", at(bank_holiday, 10))]


def run_at(moment, pytest_args):
    """pytest with the clock moved to `moment`; its exit code."""
    offset = int((moment - dt.datetime.now(dt.timezone.utc)).total_seconds())
    command = ["faketime", "-f", f"{offset:+d}", sys.executable, "-m", "pytest",
               *pytest_args]
    return subprocess.run(command).returncode


def main(argv):
    if shutil.which("faketime") is None:
        sys.exit("faketime is not installed (apt-get install faketime)")
    today = dt.datetime.now(LOCAL_TIMEZONE).date()
    results = []
    for name, moment in moments(today):
        print(f"\n=== {name}: {moment:%A %d %B %Y %H:%M} in London ===", flush=True)
        started = time.monotonic()
        code = run_at(moment, argv)
        results.append((name, moment, code, time.monotonic() - started))
    print("\nclock lane:")
    for name, moment, code, seconds in results:
        verdict = "passed" if code == 0 else f"FAILED (pytest exit {code})"
        print(f"  {name:<16} {moment:%a %d %b %Y %H:%M}  {verdict}  {seconds:.0f} s")
    return 0 if all(code == 0 for _, _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
