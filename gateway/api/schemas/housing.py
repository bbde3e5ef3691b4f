"""What the gateway accepts and returns for housing help: identifiers, the
vocabularies, and the JSON API schemas for the person and for caseworkers
(the pages' forms and words are in gateway/pages/housing/ and gateway/staff/).

The housing service's RPC contract: questionnaire, start_triage, get_triage,
answer_triage, submit_triage and case_status for the person; list_queue,
get_case, assign_case, add_note, add_plan_step, complete_plan_step,
close_case and read_audit for caseworkers. Dates travel as "YYYY-MM-DD",
times as ISO 8601 with an offset. The questions themselves are data (the
service's questionnaire), so the gateway validates the *shape* of an answer
and leaves whether it is a good answer to the service, which says so in
words for the person, per question.
"""
import re
import uuid

from marshmallow import fields, validate

from services.housing.contract import (CLOSE_OUTCOMES, DUTIES, PLAN_PARTIES, QUEUE_STATUSES,
                                       URGENCIES)
from services.kit import references

from gateway.api.schemas.bins import IsoDate
from gateway.web.schemas import GatewaySchema, PlainText, Timestamp

# The person's words for how their case ended, one sentence per close
# outcome the housing service has (a test holds the keys to its list).
CLOSE_OUTCOME_SENTENCES = {
    "homelessness_prevented": "We helped you keep your home or find a new one",
    "homelessness_relieved": "We helped you find somewhere to live",
    "main_duty_accepted": "We accepted a duty to house you",
    "not_homeless": "We decided you are not homeless or at risk of homelessness",
    "not_eligible": "We decided you are not eligible for help with housing from us",
    "intentionally_homeless": "We decided you became homeless intentionally",
    "no_contact": "We closed your case because we could not contact you",
    "withdrawn": "You told us you no longer need help",
    "advice_given": "We gave you advice",
    "referred_to_another_council": "We referred you to another council",
}

_QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CODE_CHARS = re.compile(rf"^[{references.ALPHABET}]{{12}}$")
MAX_TEXT = 5000
MAX_LIST = 50


def valid_question_id(text):
    return bool(_QUESTION_ID.match(text or ""))


def normalise_code(text):
    """A resume code as XXXX-XXXX-XXXX whatever case, spacing and dashes
    were typed, or None when it cannot be one."""
    compact = re.sub(r"[\s-]", "", (text or "").upper())
    if not _CODE_CHARS.match(compact):
        return None
    return "-".join(compact[i:i + 4] for i in range(0, 12, 4))


def normalise_reference(text):
    """HL-7K3Q-92 in any case and spacing, or None when it cannot be one
    (its check digits included)."""
    reference = references.normalise(text)
    return reference if reference and references.is_valid(reference) else None


def valid_case_id(text):
    try:
        return str(uuid.UUID(str(text))) == str(text).lower()
    except (TypeError, ValueError):
        return False


# --- the answer to one question, as JSON ---

class AnswerValue(fields.Raw):
    """Any JSON answer, within bounds: text, a number, yes/no, a list (the
    options of a multi_choice, or numbers), or a date as {"day", "month",
    "year"} (or "YYYY-MM-DD"). Whether it answers the question is for the
    housing service to say."""

    default_error_messages = {
        "invalid": "Send the answer as text, a number, a list or a date",
        "too_long": f"The answer must be {MAX_TEXT} characters or fewer",
        "list": f"Send a list of up to {MAX_LIST} options or numbers",
        # doubled braces: marshmallow formats its messages
        "date": 'Send a date as {{"day": "4", "month": "12", "year": "2026"}}',
    }
    DATE_PARTS = ("day", "month", "year")

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise self.make_error("too_long")
            return value
        if isinstance(value, list):
            if len(value) > MAX_LIST or not all(
                    isinstance(v, (str, int, float)) and not isinstance(v, bool)
                    and len(str(v)) <= 200 for v in value):
                raise self.make_error("list")
            return value
        if isinstance(value, dict):
            return self._date_parts(value)
        raise self.make_error("invalid")

    def _date_parts(self, value):
        if not set(value) <= set(self.DATE_PARTS) or not value:
            raise self.make_error("date")
        parts = {}
        for name in self.DATE_PARTS:
            part = value.get(name, "")
            if isinstance(part, bool) or not isinstance(part, (str, int)):
                raise self.make_error("date")
            part = str(part).strip()
            if len(part) > 12:
                raise self.make_error("date")
            parts[name] = part
        return parts


class AnswerSchema(GatewaySchema):
    value = AnswerValue(required=True, allow_none=True, error_messages={
        "required": "Send the answer as value"}, metadata={
        "description": "The answer: an option's value (choice), a list of them "
                       "(multi_choice), \"yes\" or \"no\", {\"day\", \"month\", "
                       "\"year\"} (date), a number, a list of numbers, or text"})


# --- JSON API: the questionnaire ---

class QuestionnaireQuerySchema(GatewaySchema):
    version = fields.Integer(
        load_default=None, allow_none=True,
        validate=validate.Range(1, 10_000, error="Enter a version number, like 1"),
        error_messages={"invalid": "Enter a version number, like 1"},
        metadata={"description": "Default: the current version"})


class OptionSchema(GatewaySchema):
    value = fields.String(required=True)
    label = fields.String(required=True)
    hint = fields.String(allow_none=True)


class QuestionSchema(GatewaySchema):
    id = fields.String(required=True)
    summary = fields.String(allow_none=True, metadata={
        "description": "A few words, for a check-your-answers list"})
    text = fields.String(required=True, metadata={"description": "The question"})
    hint = fields.String(allow_none=True)
    type = fields.String(required=True, metadata={
        "description": "choice, multi_choice, yes_no, date, number, number_list, "
                       "text, email or phone"})
    options = fields.List(fields.Nested(OptionSchema), allow_none=True)
    when = fields.List(fields.Raw(), allow_none=True, metadata={
        "description": "Conditions on earlier answers, all of which must hold "
                       "for the question to be asked"})
    min = fields.Raw(allow_none=True)
    max = fields.Raw(allow_none=True)
    max_length = fields.Integer(allow_none=True)
    suffix = fields.String(allow_none=True)
    exclusive = fields.String(allow_none=True, metadata={
        "description": "The multi_choice option that cannot go with the others"})
    not_after_today = fields.Boolean(allow_none=True)


class QuestionnaireSchema(GatewaySchema):
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


# --- JSON API: the triage ---

class TriageViewSchema(GatewaySchema):
    version = fields.Integer(required=True, metadata={
        "description": "The questionnaire version this form is answered with"})
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    asked = fields.List(fields.String(), required=True, metadata={
        "description": "The questions that apply given the answers, in order"})
    next_question = fields.String(allow_none=True, metadata={
        "description": "The first one not answered yet; null when complete"})
    complete = fields.Boolean(required=True)
    submitted = fields.Boolean(metadata={
        "description": "true once sent: submitting again returns the same case"})
    expires_at = Timestamp(allow_none=True, metadata={
        "description": "When the saved answers are deleted"})


class StartedTriageSchema(GatewaySchema):
    code = fields.String(required=True, metadata={
        "description": "Send it as X-Resident-Secret to carry on; it is also the "
                       "code to come back with later", "example": "7K3Q-M2XA-9PRT"})
    triage = fields.Nested(TriageViewSchema, required=True)


class LinkSchema(GatewaySchema):
    text = fields.String(required=True)
    href = fields.String(required=True)


class NextStepSchema(GatewaySchema):
    code = fields.String(required=True, metadata={
        "description": "call_today, book_appointment or self_help"})
    title = fields.String(allow_none=True)
    text = fields.String(allow_none=True)
    within_working_days = fields.Integer(allow_none=True)
    phone = fields.String(allow_none=True)
    links = fields.List(fields.Nested(LinkSchema), allow_none=True)


class ReasonSchema(GatewaySchema):
    code = fields.String(required=True)
    text = fields.String(required=True)


class KeyDatesSchema(GatewaySchema):
    notice_expires_on = Timestamp(allow_none=True)
    duty_ends_on = Timestamp(allow_none=True)
    respond_by = Timestamp(allow_none=True)


class OutcomeSchema(GatewaySchema):
    """What the triage decided."""
    urgency = fields.String(allow_none=True, metadata={
        "description": "emergency, high, standard or advice"})
    duty = fields.String(allow_none=True, metadata={
        "description": "relief, prevention or none"})
    priority_need = fields.List(fields.String(), allow_none=True)
    reason_to_believe = fields.Boolean(allow_none=True, metadata={
        "description": "Reason to believe the person may be homeless or threatened "
                       "with homelessness"})
    key_dates = fields.Nested(KeyDatesSchema, allow_none=True)
    next_step = fields.Nested(NextStepSchema, allow_none=True)
    reasons = fields.List(fields.Nested(ReasonSchema), allow_none=True)
    appointment_type = fields.String(allow_none=True)


class CaseStatusSchema(OutcomeSchema):
    reference = fields.String(required=True, metadata={"example": "HL-7K3Q-92"})
    status = fields.String(required=True, metadata={
        "description": "open, assigned or closed"})
    triaged_at = Timestamp(allow_none=True)
    closed_outcome = fields.String(allow_none=True)


class SubmittedTriageSchema(GatewaySchema):
    created = fields.Boolean(required=True, metadata={
        "description": "false: this form was already sent, and this is its case"})
    reference = fields.String(required=True)
    secret = fields.String(required=True, metadata={
        "description": "Send it with the reference to see the case "
                       "(X-Resident-Secret header)"})
    case = fields.Nested(CaseStatusSchema, required=True)
    status_url = fields.String(required=True)


# --- JSON API: caseworkers ---

def _one_of(choices, what):
    return validate.OneOf(choices, error=f"Choose {what}: " + ", ".join(choices))


# the API's and the case page's forms take notes and plan steps alike
def note_field(**kwargs):
    return PlainText(validate=validate.Length(
        max=MAX_TEXT, error=f"The note must be {MAX_TEXT} characters or fewer"), **kwargs)


def step_field():
    return PlainText(required=True, missing_message="Enter the step", validate=validate.Length(
        max=1000, error="The step must be 1000 characters or fewer"))


class QueueQuerySchema(GatewaySchema):
    urgency = fields.String(load_default=None, validate=_one_of(URGENCIES, "an urgency"))
    duty = fields.String(load_default=None, validate=_one_of(DUTIES, "a duty"))
    status = fields.String(load_default=None, validate=_one_of(QUEUE_STATUSES, "a status"),
                           metadata={"description": "Default: open (not closed)"})
    limit = fields.Integer(
        load_default=50, validate=validate.Range(1, 100, error="Ask for between 1 and 100 cases"),
        error_messages={"invalid": "Enter a whole number, like 20"})
    offset = fields.Integer(
        load_default=0, validate=validate.Range(0, 100_000, error="Enter 0 or more"),
        error_messages={"invalid": "Enter a whole number, like 50"})


class QueueItemSchema(GatewaySchema):
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    urgency = fields.String(required=True)
    duty = fields.String(allow_none=True)
    priority_need = fields.List(fields.String(), allow_none=True)
    respond_by = Timestamp(allow_none=True)
    triaged_at = Timestamp(allow_none=True)
    status = fields.String(required=True)
    assigned_to = fields.String(allow_none=True)
    escalations = fields.List(fields.String(), allow_none=True, metadata={
        "description": "Legal clocks that have fallen due"})
    route = fields.String(allow_none=True, metadata={"description": "self or referral"})


class QueueSchema(GatewaySchema):
    cases = fields.List(fields.Nested(QueueItemSchema), required=True)
    total = fields.Integer(required=True)
    # counted up to 1,000: past that the filters narrow the queue down
    more_than_total = fields.Boolean(load_default=False, dump_default=False)


class CaseQuerySchema(GatewaySchema):
    reason = PlainText(load_default=None, validate=validate.Length(
        max=500, error="The reason must be 500 characters or fewer"), metadata={
        "description": "Why you are looking at the case, for the audit log"})


class CaseAnswerSchema(GatewaySchema):
    question_id = fields.String(required=True)
    summary = fields.String(allow_none=True)
    value = fields.Raw(allow_none=True)


class NoteSchema(GatewaySchema):
    id = fields.Raw(required=True)
    author = fields.String(allow_none=True)
    text = fields.String(allow_none=True)
    created_at = Timestamp(allow_none=True)


class PlanStepSchema(GatewaySchema):
    id = fields.Raw(required=True)
    party = fields.String(required=True)
    text = fields.String(allow_none=True)
    due_on = Timestamp(allow_none=True)
    done_at = Timestamp(allow_none=True)


class ClockSchema(GatewaySchema):
    kind = fields.String(required=True, metadata={
        "description": "notice_expiring, duty_ending, respond_by_passed or "
                       "emergency_unassigned"})
    due_at = Timestamp(allow_none=True)
    fired_at = Timestamp(allow_none=True)
    cancelled_at = Timestamp(allow_none=True)


class CaseDetailSchema(QueueItemSchema):
    questionnaire_version = fields.Integer(allow_none=True)
    answers = fields.List(fields.Nested(CaseAnswerSchema), allow_none=True, metadata={
        "description": "Empty once the case has been anonymised"})
    anonymised = fields.Boolean(allow_none=True)
    outcome = fields.Nested(OutcomeSchema, allow_none=True)
    notes = fields.List(fields.Nested(NoteSchema), allow_none=True)
    plan = fields.List(fields.Nested(PlanStepSchema), allow_none=True)
    clocks = fields.List(fields.Nested(ClockSchema), allow_none=True)
    closed_outcome = fields.String(allow_none=True)
    closed_at = Timestamp(allow_none=True)


class AssignSchema(GatewaySchema):
    take_over = fields.Boolean(load_default=False, error_messages={
        "invalid": "Send true or false"}, metadata={
        "description": "true: take the case from the caseworker who has it"})


class NoteBodySchema(GatewaySchema):
    text = note_field(required=True, missing_message="Enter the note")


class PlanBodySchema(GatewaySchema):
    party = fields.String(required=True, validate=_one_of(PLAN_PARTIES, "who does it"),
                          error_messages={"required": "Say who does it: council or applicant",
                                          "null": "Say who does it: council or applicant"})
    text = step_field()
    due_on = IsoDate(load_default=None, allow_none=True)


class CloseBodySchema(GatewaySchema):
    outcome = fields.String(required=True, validate=_one_of(list(CLOSE_OUTCOMES),
                                                            "an outcome"),
                            error_messages={"required": "Choose an outcome",
                                            "null": "Choose an outcome"})
    note = note_field(load_default=None, allow_none=True)


class AuditQuerySchema(GatewaySchema):
    case_id = fields.UUID(load_default=None, error_messages={
        "invalid_uuid": "A case id looks like 4a7d1ed4-1b2c-4e5f-8a9b-0c1d2e3f4a5b"})
    limit = fields.Integer(
        load_default=100, validate=validate.Range(1, 1000, error="Ask for between 1 and "
                                                  "1000 entries"),
        error_messages={"invalid": "Enter a whole number, like 100"})


class AuditEntrySchema(GatewaySchema):
    staff_id = fields.String(required=True)
    case_id = fields.String(allow_none=True)
    action = fields.String(required=True)
    reason = fields.String(allow_none=True)
    at = Timestamp(required=True)
    role = fields.String(allow_none=True)


class AuditSchema(GatewaySchema):
    entries = fields.List(fields.Nested(AuditEntrySchema), required=True)
