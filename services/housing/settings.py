"""The housing service's settings, read from its nameko config."""
import dataclasses
import pathlib

from services.housing.domain import questionnaire
from services.housing.domain.clocks import ClockSettings
from services.housing.domain.triage import TriageSettings
from services.kit.config import LocalZone, secret_key as config_secret_key, secret_key_field


@dataclasses.dataclass(frozen=True)
class HousingSettings(LocalZone):
    timezone: str = "Europe/London"
    questionnaire_dir: pathlib.Path = questionnaire.DEFAULT_DIRECTORY
    # How long an unfinished triage is kept for the person to come back to.
    draft_days: int = 30
    # Closed cases are anonymised this long after closing.
    retention_days: int = 730
    triage: TriageSettings = TriageSettings()
    clocks: ClockSettings = ClockSettings()
    clock_sweep_seconds: float = 30.0
    anonymise_sweep_seconds: float = 3600.0
    # Derives a case's secret from its id, so submitting the same draft twice
    # (a double click, a retry) shows the same secret again.
    secret_key: bytes = secret_key_field()

    @classmethod
    def from_config(cls, config):
        base = cls()
        timezone = config.get("TIMEZONE") or base.timezone
        triage = dataclasses.replace(
            base.triage,
            prevention_days=int(config.get("PREVENTION_DAYS") or base.triage.prevention_days),
            emergency_phone=str(config.get("EMERGENCY_PHONE") or base.triage.emergency_phone),
            out_of_hours_phone=str(config.get("OUT_OF_HOURS_PHONE")
                                   or base.triage.out_of_hours_phone))
        clocks = dataclasses.replace(
            base.clocks, timezone=timezone,
            warn_days_before=int(config.get("WARN_DAYS_BEFORE")
                                 or base.clocks.warn_days_before),
            emergency_unassigned_minutes=int(config.get("EMERGENCY_UNASSIGNED_MINUTES")
                                             or base.clocks.emergency_unassigned_minutes))
        return cls(
            timezone=timezone,
            questionnaire_dir=pathlib.Path(config.get("QUESTIONNAIRE_DIR")
                                           or base.questionnaire_dir),
            draft_days=int(config.get("DRAFT_DAYS") or base.draft_days),
            retention_days=int(config.get("RETENTION_DAYS") or base.retention_days),
            triage=triage, clocks=clocks,
            clock_sweep_seconds=float(config.get("CLOCK_SWEEP_SECONDS")
                                      or base.clock_sweep_seconds),
            anonymise_sweep_seconds=float(config.get("ANONYMISE_SWEEP_SECONDS")
                                          or base.anonymise_sweep_seconds),
            secret_key=config_secret_key(config.get("SECRET_KEY"), "housing", (
                "a person who submits the same triage twice across a restart is not "
                "shown their case code again")),
        )
