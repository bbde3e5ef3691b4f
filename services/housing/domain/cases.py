"""The rules of a case once it is in the caseworkers' queue: who may take
it, how it closes, where its person may be messaged, and what is kept of it
once it is anonymised."""
import dataclasses
import datetime as dt
import types
from collections.abc import Mapping
import uuid

from services.housing.domain.triage import Outcome
from services.kit.rules import RuleBroken

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


@dataclasses.dataclass(frozen=True)
class Assignment:
    changed: bool
    previous: str | None


def _closed(reason="This case is closed."):
    return RuleBroken("case_closed", reason)


@dataclasses.dataclass(frozen=True)
class Case:
    """A case in the caseworkers' queue, as its row builds it (a whole case,
    or a queue row's columns), and what may be done with it now. Every
    refusal is a RuleBroken returned as the decision."""
    id: uuid.UUID | None
    reference: str
    status: str = OPEN
    assigned_to: str | None = None
    urgency: str | None = None
    duty: str | None = None
    priority_need: tuple = ()
    respond_by: dt.date | None = None
    triaged_at: dt.datetime | None = None
    route: str | None = None
    escalations: tuple = ()  # the clocks that fired, in order
    # the whole case only
    outcome: dict | None = None
    answers: dict | None = None
    questionnaire_version: int | None = None
    secret_sha256: bytes | None = None
    closed_outcome: str | None = None
    closed_at: dt.datetime | None = None
    anonymised_at: dt.datetime | None = None

    @classmethod
    def from_row(cls, row):
        if row is None:
            return None
        known = {f.name for f in dataclasses.fields(cls)}
        fields = {k: v for k, v in row.items() if k in known}
        fields.setdefault("id", row.get("case_id"))
        for name in ("priority_need", "escalations"):
            fields[name] = tuple(fields.get(name) or ())
        return cls(**fields)

    @property
    def is_closed(self):
        return self.status == CLOSED

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None

    def is_overdue(self, today):
        """The respond-by date has passed and the case is still open."""
        return bool(self.respond_by and not self.is_closed and self.respond_by < today)

    @property
    def shown_status(self):
        """What the person and the queue see: open, assigned or closed."""
        if self.is_closed:
            return CLOSED
        return ASSIGNED if self.assigned_to else OPEN

    def assign(self, staff_id, take_over=False):
        """Whether `staff_id` may take the case: an Assignment, or a
        RuleBroken. Taking over from a colleague is deliberate (take_over),
        never a side effect of two people clicking."""
        if not staff_id:
            raise ValueError("staff_id is required")
        if self.is_closed:
            return _closed()
        if self.assigned_to == staff_id:
            return Assignment(False, self.assigned_to)
        if self.assigned_to and not take_over:
            return RuleBroken("already_assigned", "Another caseworker has this case. Take "
                              "it over to assign it to yourself.", conflict=True)
        return Assignment(True, self.assigned_to or None)

    def close_refused(self, outcome):
        """None when it may close with `outcome`; else why not (an outcome
        not in CLOSE_OUTCOMES is `unknown_outcome`)."""
        if self.is_closed:
            return _closed("This case is already closed.")
        if outcome not in CLOSE_OUTCOMES:
            return RuleBroken("unknown_outcome", "Choose an outcome from the list.")
        return None

    def note_refused(self):
        if self.is_anonymised:
            return RuleBroken("case_anonymised", "This case has been anonymised: nothing "
                              "more can be added to it.")
        return None

    def plan_step_refused(self):
        return _closed() if self.is_closed else None

    def contact(self):
        """Where the person said we may message them, or None. A phone-call
        preference means no messages; at risk of violence, only that
        channel."""
        answers = self.answers
        if self.is_anonymised or not answers:
            return None
        channel = answers.get("contact_channel")
        email = answers.get("contact_email") or None
        phone = answers.get("contact_phone") or None
        if channel in (None, "none") or (not email and not phone):
            return None
        return {"email": email, "phone": phone,
                "preferred": channel if channel in ("email", "sms") else "none",
                "safe_channel_only": answers.get("risk_of_violence") == "yes"}


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
