"""Events the housing service publishes: its public contract.

Other services may import this module to validate what they receive. No
event carries a name, an address, an answer, free text or a health detail:
ids, codes and dates only. Staff ids are the caseworker's token subject.
"""
from marshmallow import Schema, fields, validate

from services.kit.envelope import EventCatalogue, EventContract

URGENCIES = ("emergency", "high", "standard", "advice")
DUTIES = ("relief", "prevention", "none")
PRIORITY_NEED = ("pregnancy", "dependent_children", "vulnerability", "domestic_abuse",
                 "aged_16_17", "care_leaver_under_21")
CLOCKS = ("notice_expiring", "duty_ending", "respond_by_passed", "emergency_unassigned")


class CaseTriagedSchema(Schema):
    case_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    route = fields.String(required=True, validate=validate.OneOf(("self", "referral")))
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
                                validate=validate.OneOf(("caseworker", "supervisors")))
    caseworker_id = fields.String(allow_none=True, load_default=None)
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))


CATALOGUE = EventCatalogue(
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
