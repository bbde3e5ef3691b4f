"""What the rest of Townhall may know of housing: the events it publishes,
the codes they and its replies use, and the shape of the replies other
services consume. Importing it loads no nameko, broker or database library.

The vocabularies are defined in the pure domain (services.housing.domain)
and published from here; other services and the gateway import them from
here. No event carries a name, an address, an answer, free text or a health
detail: ids, codes and dates only. Staff ids are the caseworker's token
subject.
"""
from marshmallow import Schema, fields, validate

from services.housing.domain.cases import (CASE_STATUSES, CLOSE_OUTCOMES, PLAN_PARTIES,
                                           QUEUE_STATUSES, REFERENCE_PREFIX)
from services.housing.domain.clocks import AUDIENCES
from services.housing.domain.clocks import KINDS as CLOCKS
from services.housing.domain.triage import DUTIES, PRIORITY_NEED, ROUTES, URGENCIES
from services.kit.envelope import EventCatalogue, EventContract
from services.kit.schemas import OwnerFacts, Reply

__all__ = ["AUDIENCES", "CASE_STATUSES", "CATALOGUE", "CLOCKS", "CLOSE_OUTCOMES", "CaseStatus",
           "DUTIES", "NotificationFacts", "PLAN_PARTIES", "PRIORITY_NEED", "QUEUE_STATUSES",
           "Queue", "QueueItem", "REFERENCE_PREFIX", "REPLIES", "ROUTES", "URGENCIES"]


# -- events ------------------------------------------------------------------------------

class CaseTriagedSchema(Schema):
    case_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    route = fields.String(required=True, validate=validate.OneOf(ROUTES))
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    duty = fields.String(required=True, validate=validate.OneOf(DUTIES))
    priority_need = fields.List(fields.String(validate=validate.OneOf(PRIORITY_NEED)),
                                required=True)
    respond_by = fields.Date(required=True)
    duty_ends_on = fields.Date(allow_none=True, load_default=None)
    appointment_type = fields.String(allow_none=True, load_default=None)
    questionnaire_version = fields.Integer(required=True)
    triaged_at = fields.AwareDateTime(required=True)


class CaseAssignedSchema(Schema):
    case_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    caseworker_id = fields.String(required=True)
    previous_caseworker_id = fields.String(allow_none=True, load_default=None)
    assigned_at = fields.AwareDateTime(required=True)


class CaseClosedSchema(Schema):
    case_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    outcome = fields.String(required=True)
    duty = fields.String(required=True, validate=validate.OneOf(DUTIES))
    closed_by = fields.String(required=True)
    closed_at = fields.AwareDateTime(required=True)


class CaseEscalatedSchema(Schema):
    case_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    clock = fields.String(required=True, validate=validate.OneOf(CLOCKS))
    due_at = fields.AwareDateTime(required=True)
    escalate_to = fields.String(required=True,
                                validate=validate.OneOf(AUDIENCES))
    caseworker_id = fields.String(allow_none=True, load_default=None)
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))


CATALOGUE: EventCatalogue = EventCatalogue(
    "housing",
    EventContract("CaseTriaged", CaseTriagedSchema, description=(
        "A person finished the online triage (or was referred) and a case was "
        "opened. Carries the outcome's codes and dates only: no answers, names, "
        "contact details or health details.")),
    EventContract("CaseAssigned", CaseAssignedSchema, description=(
        "A caseworker took a case, or took it over from another "
        "(`previous_caseworker_id`).")),
    EventContract("CaseClosed", CaseClosedSchema, description=(
        "A caseworker closed a case with an outcome from the fixed list.")),
    EventContract("CaseEscalated", CaseEscalatedSchema, description=(
        "A legal clock fell due: a notice or a 56-day duty ends within 7 days, "
        "the respond-by date passed with nobody assigned, or an emergency case "
        "waited too long. Sent once per case and clock.")),
)


# -- RPC replies other services consume -------------------------------------------------

class NotificationFacts(OwnerFacts):
    """`housing.notification_facts(case_id)`: what a message about a case
    needs, and no notes or other answers. Its `links`: where the person
    checks their case (`case_status`)."""

    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    respond_by = fields.Date(required=True, allow_none=True)
    next_step_title = fields.String(required=True, allow_none=True)
    next_step_text = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)


class KeyDates(Reply):
    notice_expires_on = fields.Date(required=True, allow_none=True)
    duty_ends_on = fields.Date(required=True, allow_none=True)
    respond_by = fields.Date(required=True)


class Link(Reply):
    text = fields.String(required=True)
    href = fields.String(required=True)


class NextStep(Reply):
    """Once a case is anonymised only `code` is left: the words are blank
    and `within_working_days` is None."""
    code = fields.String(required=True)
    title = fields.String(required=True)
    text = fields.String(required=True)
    within_working_days = fields.Integer(required=True, allow_none=True)
    phone = fields.String(allow_none=True)
    links = fields.List(fields.Nested(Link))


class Reason(Reply):
    code = fields.String(required=True)
    text = fields.String(required=True)


class CaseStatus(Reply):
    """A case as the person sees it (`housing.case_status(reference, secret)`,
    and `case` in `submit_triage`'s reply): codes, dates and the next step."""
    reference = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    triaged_at = fields.AwareDateTime(required=True)
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    duty = fields.String(required=True, validate=validate.OneOf(DUTIES))
    priority_need = fields.List(fields.String(validate=validate.OneOf(PRIORITY_NEED)),
                                required=True)
    reason_to_believe = fields.Boolean(required=True)
    key_dates = fields.Nested(KeyDates, required=True)
    next_step = fields.Nested(NextStep, required=True)
    reasons = fields.List(fields.Nested(Reason), required=True)
    appointment_type = fields.String(required=True, allow_none=True)
    closed_outcome = fields.String(required=True, allow_none=True,
                                   validate=validate.OneOf(tuple(CLOSE_OUTCOMES)))


class QueueItem(Reply):
    """A case as caseworkers' queue lists it (`housing.list_queue`'s cases,
    and the start of `get_case`, `assign_case` and `close_case`). `overdue`:
    its respond-by day has passed, on the council's day, and it is open."""
    case_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    duty = fields.String(required=True, allow_none=True, validate=validate.OneOf(DUTIES))
    respond_by = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    assigned_to = fields.String(required=True, allow_none=True)
    overdue = fields.Boolean(required=True)


class Queue(Reply):
    """`housing.list_queue`: one page of the queue."""
    cases = fields.List(fields.Nested(QueueItem), required=True)
    total = fields.Integer(required=True)
    more_than_total = fields.Boolean(required=True)


# The schema of each RPC's reply, by RPC name.
REPLIES: dict[str, type[Schema]] = {
    "notification_facts": NotificationFacts, "case_status": CaseStatus,
    "list_queue": Queue, "get_case": QueueItem, "assign_case": QueueItem,
    "close_case": QueueItem}
