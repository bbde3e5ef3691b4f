"""What each housing RPC accepts. Bad input raises marshmallow's
ValidationError with a dict of field -> plain-English messages, before
anything reaches the database. The answers themselves are checked by the
questionnaire (domain/questionnaire.py), question by question."""
from marshmallow import Schema, fields, validate

from services.housing.contract import (CLOSE_OUTCOMES, DUTIES, PLAN_PARTIES, QUEUE_STATUSES,
                                       URGENCIES)
from services.kit.schemas import instance

ROLES = ("caseworker", "supervisor")


def _required(what):
    return {"required": f"Enter {what}.", "null": f"Enter {what}."}


def _one_of(choices, what):
    return validate.OneOf(choices, error=f"{what} must be one of: {', '.join(choices)}.")


class Code(fields.String):
    def __init__(self, **kwargs):
        super().__init__(required=True, error_messages=_required("the code you were given"),
                         validate=validate.Length(min=1, max=40,
                                                  error="Enter the code you were given."),
                         **kwargs)


class Questionnaire(Schema):
    version = fields.Integer(allow_none=True, load_default=None,
                             validate=validate.Range(min=1, error="Enter a version number."))


class Triage(Schema):
    code = Code()


class AnswerTriage(Schema):
    code = Code()
    question_id = fields.String(required=True, error_messages=_required("the question"),
                                validate=validate.Length(min=1, max=64))
    value = fields.Raw(allow_none=True, load_default=None)


class CaseStatus(Schema):
    reference = fields.String(required=True, error_messages=_required("your case reference"),
                              validate=validate.Length(min=1, max=20))
    secret = fields.String(required=True, error_messages=_required("your code"),
                           validate=validate.Length(min=1, max=40))


class CaseId(fields.UUID):
    def __init__(self, **kwargs):
        super().__init__(required=True, error_messages={
            **_required("the case id"), "invalid_uuid": "A case id looks like "
            "4a7d1ed4-1b2c-4e5f-8a9b-0c1d2e3f4a5b."}, **kwargs)


class NotificationFacts(Schema):
    case_id = CaseId()


class Staff(Schema):
    staff_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(load_default="caseworker", validate=_one_of(ROLES, "Role"))


class ListQueue(Staff):
    urgency = fields.String(allow_none=True, load_default=None,
                            validate=_one_of(URGENCIES, "Urgency"))
    duty = fields.String(allow_none=True, load_default=None, validate=_one_of(DUTIES, "Duty"))
    status = fields.String(allow_none=True, load_default="open",
                           validate=_one_of(QUEUE_STATUSES, "Status"))
    limit = fields.Integer(load_default=50, validate=validate.Range(
        min=1, max=200, error="Limit must be between 1 and 200."))
    offset = fields.Integer(load_default=0, validate=validate.Range(
        min=0, max=100_000, error="Offset must be between 0 and 100000."))


class OneCase(Staff):
    case_id = CaseId()


class GetCase(OneCase):
    reason = fields.String(allow_none=True, load_default=None,
                           validate=validate.Length(max=500, error="Keep the reason to 500 "
                                                                   "characters or fewer."))


class AssignCase(OneCase):
    take_over = fields.Boolean(load_default=False)


class AddNote(OneCase):
    text = fields.String(required=True, error_messages=_required("the note"),
                         validate=validate.Length(min=1, max=5000, error="A note must be "
                                                  "between 1 and 5000 characters."))


class AddPlanStep(OneCase):
    party = fields.String(required=True, error_messages=_required("who the step is for"),
                          validate=_one_of(PLAN_PARTIES, "Party"))
    text = fields.String(required=True, error_messages=_required("the step"),
                         validate=validate.Length(min=1, max=1000, error="A step must be "
                                                  "between 1 and 1000 characters."))
    due_on = fields.Date(allow_none=True, load_default=None)


class CompletePlanStep(OneCase):
    step_id = fields.Integer(required=True, error_messages=_required("the step id"),
                             validate=validate.Range(min=1))


class CloseCase(OneCase):
    outcome = fields.String(required=True, error_messages=_required("the outcome"),
                            validate=_one_of(tuple(CLOSE_OUTCOMES), "Outcome"))
    note = fields.String(allow_none=True, load_default=None,
                         validate=validate.Length(max=5000))


class ReadAudit(Staff):
    case_id = fields.UUID(allow_none=True, load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


def load(schema, **data):
    """The cleaned arguments, or ValidationError naming each bad field."""
    return instance(schema).load(data)
