"""The bins service's settings, read from its nameko config.

nameko re-parses `${VAR:default}` values as YAML, so a date may arrive as a
date and "17:00" as the integer 1020 (YAML 1.1 base 60); config.yaml uses
!raw_env_var for those, and these parsers accept either form anyway.
"""
import dataclasses
import datetime as dt

from services.bins.domain.rules import ReportSettings
from services.bins.domain.schedule import POLICIES, ScheduleSettings
from services.kit.config import secret_key as config_secret_key, secret_key_field


def _time(value, default):
    if value in (None, ""):
        return default
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int):  # "17:00" read as YAML 1.1 sexagesimal minutes
        return dt.time(value // 60, value % 60)
    return dt.time.fromisoformat(str(value).strip())


def _date(value, default):
    if value in (None, ""):
        return default
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


@dataclasses.dataclass(frozen=True)
class BinsSettings:
    report: ReportSettings = ReportSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    overdue_sweep_seconds: float = 60.0
    upcoming_weeks: int = 4
    # Derives a resident's secret from their submission, so the same
    # submission sent twice (a double click) gets its secret back.
    secret_key: bytes = secret_key_field()

    @classmethod
    def from_config(cls, config):
        base_report, base_schedule = ReportSettings(), ScheduleSettings()
        policy = config.get("HOLIDAY_POLICY") or base_schedule.policy
        if policy not in POLICIES:
            raise ValueError(f"HOLIDAY_POLICY must be one of {', '.join(POLICIES)}")
        return cls(
            report=ReportSettings(
                timezone=config.get("TIMEZONE") or base_report.timezone,
                default_open_time=_time(config.get("REPORT_OPEN_TIME"),
                                        base_report.default_open_time),
                window_working_days=int(config.get("REPORT_WINDOW_WORKING_DAYS")
                                        or base_report.window_working_days),
                return_visit_working_days=int(config.get("RETURN_VISIT_WORKING_DAYS")
                                              or base_report.return_visit_working_days),
            ),
            schedule=ScheduleSettings(
                policy=policy,
                fortnight_anchor=_date(config.get("FORTNIGHT_ANCHOR"),
                                       base_schedule.fortnight_anchor)),
            overdue_sweep_seconds=float(config.get("OVERDUE_SWEEP_SECONDS") or 60.0),
            secret_key=config_secret_key(config.get("SECRET_KEY"), "bins", (
                "a resident who submits the same report twice across a restart is not "
                "shown their tracking code again")),
        )

    def today(self, now):
        return now.astimezone(self.report.tz).date()
