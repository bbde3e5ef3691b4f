"""What the bins domain talks about. Its vocabularies (the tuples of codes
below) are what services.bins.contract publishes to the rest of Townhall."""
import dataclasses
import datetime as dt
import enum
import types
from collections.abc import Mapping

# The first part of every missed-bin report's reference: MB-7K3Q-92.
REFERENCE_PREFIX: str = "MB"
# How a report reached us.
REPORT_CHANNELS: tuple[str, ...] = ("api", "web", "open311", "phone", "staff")
# Open until the crew's return visit closes it.
REPORT_STATUSES: tuple[str, ...] = ("open", "closed")


class Service(str, enum.Enum):
    REFUSE = "refuse"
    RECYCLING = "recycling"
    GARDEN = "garden"
    FOOD = "food"

    @property
    def label(self):
        return SERVICE_LABELS[self]


SERVICE_LABELS = {
    Service.REFUSE: "Rubbish",
    Service.RECYCLING: "Recycling",
    Service.GARDEN: "Garden waste",
    Service.FOOD: "Food waste",
}


SERVICES: tuple[str, ...] = tuple(s.value for s in Service)
# Each service's name for people, by code: "refuse" is "Rubbish".
SERVICE_NAMES: Mapping[str, str] = types.MappingProxyType({s.value: s.label for s in Service})


class Frequency(str, enum.Enum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"


class ExceptionKind(str, enum.Enum):
    """What a crew can record against one property on a round."""
    BIN_NOT_OUT = "bin_not_out"
    CONTAMINATED = "contaminated"
    NO_ACCESS = "no_access"
    EXCESS_WASTE = "excess_waste"

    @property
    def resident_text(self):
        return EXCEPTION_TEXT[self]


EXCEPTION_TEXT = {
    ExceptionKind.BIN_NOT_OUT: "your bin was not out for collection",
    ExceptionKind.CONTAMINATED: "your bin had the wrong things in it",
    ExceptionKind.NO_ACCESS: "they could not get to your bin",
    ExceptionKind.EXCESS_WASTE: "there was extra waste that they could not take",
}


EXCEPTION_KINDS: tuple[str, ...] = tuple(k.value for k in ExceptionKind)


class Outcome(str, enum.Enum):
    """How a crew resolves a report after the return visit."""
    COLLECTED = "collected"
    NOT_COLLECTED = "not_collected"


OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)


@dataclasses.dataclass(frozen=True)
class Round:
    id: str
    service: Service
    weekday: int  # Monday is 0
    frequency: Frequency
    week: str | None  # "A" or "B" for fortnightly rounds
    crew_id: str


@dataclasses.dataclass(frozen=True)
class PropertyService:
    """One waste service one property receives, on one round."""
    uprn: str
    service: Service
    round_id: str
    assisted: bool = False
    subscribed_until: dt.date | None = None  # garden waste only

    def active_on(self, day):
        if self.service is not Service.GARDEN:
            return True
        return self.subscribed_until is not None and day <= self.subscribed_until


@dataclasses.dataclass(frozen=True)
class Collection:
    """One visit of a round: when it was due and when it really happens."""
    round_id: str
    service: Service
    date: dt.date
    scheduled_for: dt.date  # before any bank holiday move

    @property
    def moved(self):
        return self.date != self.scheduled_for
