"""A clock tests set by hand: what a service under test takes for "now"
(its CLOCK config points at an instance's `now`)."""
import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock:
    def __init__(self):
        self.value = None

    def now(self):
        return self.value

    def set(self, *args):
        """Local (Europe/London) wall time: set(2026, 3, 3, 12, 0)."""
        self.value = dt.datetime(*args, tzinfo=LONDON).astimezone(dt.timezone.utc)

    def advance(self, **delta):
        self.value += dt.timedelta(**delta)

    def today(self):
        return self.value.astimezone(LONDON).date()
