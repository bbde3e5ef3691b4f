"""The rules of a case once it is in the caseworkers' queue: who may take
it, how it closes, and what is kept of it once it is anonymised."""
import dataclasses
import types
from collections.abc import Mapping

from services.housing.domain.triage import Outcome

# The first part of every case's reference: HL-4M7P-28.
REFERENCE_PREFIX: str = "HL"

OPEN = "open"
ASSIGNED = "assigned"
CLOSED = "closed"
# Where a case stands, as the person and the caseworkers see it.
CASE_STATUSES: tuple[str, ...] = (OPEN, ASSIGNED, CLOSED)
# What a caseworker's queue can be narrowed to.
QUEUE_STATUSES: tuple[str, ...] = ("open", "unassigned", "assigned", "mine", "closed")

# How a caseworker may close a case, in the order a closing form lists them.
CLOSE_OUTCOMES: Mapping[str, str] = types.MappingProxyType({
    "homelessness_prevented": "Homelessness prevented",
    "homelessness_relieved": "Homelessness relieved",
    "main_duty_accepted": "Main housing duty accepted",
    "not_homeless": "Not homeless or threatened with homelessness",
    "not_eligible": "Not eligible for help",
    "intentionally_homeless": "Intentionally homeless",
    "no_contact": "Lost contact with the applicant",
    "withdrawn": "Application withdrawn",
    "advice_given": "Advice and information given",
    "referred_to_another_council": "Referred to another council",
})

# Who a step in a personal housing plan belongs to.
PLAN_PARTIES: tuple[str, ...] = ("council", "applicant")

AGE_BANDS = ((16, 17, "16-17"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 49, "35-49"),
             (50, 64, "50-64"), (65, None, "65+"))


class CaseRuleError(Exception):
    """A caseworker action that the case's state does not allow."""


class AlreadyAssigned(CaseRuleError):
    def __init__(self, assigned_to):
        super().__init__(f"The case is already assigned to {assigned_to}")
        self.assigned_to = assigned_to


class CaseClosed(CaseRuleError):
    def __init__(self):
        super().__init__("The case is closed")


class UnknownOutcome(CaseRuleError):
    def __init__(self, outcome):
        super().__init__(f"{outcome!r} is not a way to close a case")
        self.outcome = outcome


@dataclasses.dataclass(frozen=True)
class Assignment:
    changed: bool
    previous: str | None


def assign(status, assigned_to, staff_id, take_over=False):
    """Whether `staff_id` may take the case. Taking over from a colleague is
    deliberate (take_over), never a side effect of two people clicking."""
    if not staff_id:
        raise ValueError("staff_id is required")
    if status == CLOSED:
        raise CaseClosed()
    if assigned_to == staff_id:
        return Assignment(False, assigned_to)
    if assigned_to and not take_over:
        raise AlreadyAssigned(assigned_to)
    return Assignment(True, assigned_to or None)


def check_close(status, outcome):
    if status == CLOSED:
        raise CaseClosed()
    if outcome not in CLOSE_OUTCOMES:
        raise UnknownOutcome(outcome)


def age_band(age):
    if age is None:
        return None
    for low, high, label in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return None


def retained_for_statistics(answers, outcome):
    """What an anonymised case keeps: codes and counts that describe the
    household and the outcome, never anything that could identify a person
    (no free text, dates, contact or referrer details, exact ages or which
    health conditions)."""
    data = outcome.to_dict() if isinstance(outcome, Outcome) else outcome
    health = answers.get("health") or []
    return {
        "route": answers.get("route"),
        "sleep_tonight": answers.get("sleep_tonight"),
        "reason": answers.get("reason"),
        "how_asked": answers.get("how_asked"),
        "household_size": 1 + (answers.get("other_adults") or 0)
                          + (answers.get("dependent_children") or 0),
        "pregnant": answers.get("pregnant") == "yes",
        "age_band": age_band(answers.get("applicant_age")),
        "health_or_disability": any(h != "none" for h in health),
        "background": list(answers.get("background") or []),
        "local_connection": list(answers.get("local_connection") or []),
        "urgency": data.get("urgency"),
        "duty": data.get("duty"),
        "priority_need": list(data.get("priority_need") or []),
    }
