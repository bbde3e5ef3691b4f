"""The bookings service's settings, read from its nameko config."""
import dataclasses

from services.bookings.domain.window import WindowSettings
from services.kit.config import LocalZone, secret_key as config_secret_key, secret_key_field


@dataclasses.dataclass(frozen=True)
class BookingsSettings(LocalZone):
    timezone: str = "Europe/London"
    window: WindowSettings = WindowSettings()
    # Where a person who may no longer change a booking online is sent.
    phone: str = "020 7946 0000"
    hold_sweep_seconds: float = 15.0
    reminder_sweep_seconds: float = 60.0
    # Derives a booking's secret from its id, so a retried hold shows the
    # same secret again.
    secret_key: bytes = secret_key_field()

    @classmethod
    def from_config(cls, config):
        base = cls()
        w = base.window

        def number(key, default, kind=int):
            value = config.get(key)
            return kind(value) if value not in (None, "") else default

        return cls(
            timezone=config.get("TIMEZONE") or base.timezone,
            window=dataclasses.replace(
                w,
                high_working_days=number("HIGH_WORKING_DAYS", w.high_working_days),
                standard_working_days=number("STANDARD_WORKING_DAYS",
                                             w.standard_working_days),
                emergency_places_per_office_per_day=number(
                    "EMERGENCY_PLACES_PER_OFFICE_PER_DAY",
                    w.emergency_places_per_office_per_day),
                hold_minutes=number("HOLD_MINUTES", w.hold_minutes),
                change_cutoff_hours=number("CHANGE_CUTOFF_HOURS", w.change_cutoff_hours),
                reminder_hours_before=number("REMINDER_HOURS_BEFORE",
                                             w.reminder_hours_before)),
            phone=str(config.get("PHONE") or base.phone),
            hold_sweep_seconds=number("HOLD_SWEEP_SECONDS", base.hold_sweep_seconds, float),
            reminder_sweep_seconds=number("REMINDER_SWEEP_SECONDS",
                                          base.reminder_sweep_seconds, float),
            secret_key=config_secret_key(config.get("SECRET_KEY"), "bookings", (
                "a retried hold across a restart does not show its code again")),
        )
