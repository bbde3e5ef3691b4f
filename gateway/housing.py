"""What the gateway accepts and returns for housing help: JSON API schemas,
the resident forms, the triage cookie, and the words the pages use.

The housing service's RPC contract: questionnaire, start_triage, get_triage,
answer_triage, submit_triage and case_status for the person; list_queue,
get_case, assign_case, add_note, add_plan_step, complete_plan_step,
close_case and read_audit for caseworkers. Dates travel as "YYYY-MM-DD",
times as ISO 8601 with an offset. The questions themselves are data (the
service's questionnaire), so the gateway validates the *shape* of an answer
and leaves whether it is a good answer to the service, which says so in
words for the person, per question.
"""
import datetime as dt
import math
import re
import uuid
from urllib.parse import urlencode

from itsdangerous import BadData, URLSafeTimedSerializer
from marshmallow import (EXCLUDE, ValidationError, fields, post_load, validate,
                         validates_schema)

from services.kit import references

from gateway.api.schemas.bins import IsoDate
from gateway.pages.bins.forms import Reference
from gateway.web.schemas import GatewaySchema, PlainText, Timestamp
from gateway.web.words import as_date as _as_date, date_text, day_text  # noqa: F401
from gateway.web.words import local_today as staff_today, when_text as staff_time  # noqa: F401

URGENCIES = ("emergency", "high", "standard", "advice")
DUTIES = ("relief", "prevention", "none")
QUEUE_STATUSES = ("open", "unassigned", "assigned", "mine", "closed")
PLAN_PARTIES = ("council", "applicant")
CLOSE_OUTCOMES = {
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
def _note_field(**kwargs):
    return PlainText(validate=validate.Length(
        max=MAX_TEXT, error=f"The note must be {MAX_TEXT} characters or fewer"), **kwargs)


def _step_field():
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
    text = _note_field(required=True, missing_message="Enter the note")


class PlanBodySchema(GatewaySchema):
    party = fields.String(required=True, validate=_one_of(PLAN_PARTIES, "who does it"),
                          error_messages={"required": "Say who does it: council or applicant",
                                          "null": "Say who does it: council or applicant"})
    text = _step_field()
    due_on = IsoDate(load_default=None, allow_none=True)


class CloseBodySchema(GatewaySchema):
    outcome = fields.String(required=True, validate=_one_of(list(CLOSE_OUTCOMES),
                                                            "an outcome"),
                            error_messages={"required": "Choose an outcome",
                                            "null": "Choose an outcome"})
    note = _note_field(load_default=None, allow_none=True)


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


# --- resident forms ---

class ResumeCode(fields.String):
    default_error_messages = {
        "invalid": "Enter the code as it is shown, like 7K3Q-M2XA-9PRT",
        "required": "Enter the code you were given",
        "null": "Enter the code you were given",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            raise self.make_error("required")
        code = normalise_code(value)
        if code is None:
            raise self.make_error("invalid")
        return code


class LookupCode(ResumeCode):
    """The code given with a case (or a booking), on a form that finds it."""
    default_error_messages = {
        "required": "Enter your code", "null": "Enter your code",
        "invalid": "Enter your code as it is shown, like 7K3Q-M2XA-9PRT"}


class CaseReference(Reference):
    example = "HL-7K3Q-92"
    normalise = staticmethod(normalise_reference)


class ResumeFormSchema(GatewaySchema):
    code = ResumeCode(required=True)


class TrackFormSchema(GatewaySchema):
    reference = CaseReference(required=True)
    secret = LookupCode(required=True)


# --- the code that carries a triage from page to page ---

class TriageCookie:
    """The resume code in a signed, HttpOnly, SameSite=Lax cookie scoped to
    /housing. A session cookie (it goes when the browser closes, which suits
    a shared computer), and its signature is good for MAX_AGE at most."""

    NAME = "housing_triage"
    PATH = "/housing"
    MAX_AGE = 24 * 3600

    def __init__(self, secret_key):
        self.serializer = URLSafeTimedSerializer(secret_key, salt="townhall-housing-triage")

    def read(self, request):
        raw = request.cookies.get(self.NAME)
        if not raw or len(raw) > 512:
            return None
        try:
            code = self.serializer.loads(raw, max_age=self.MAX_AGE)
        except BadData:
            return None
        return normalise_code(code) if isinstance(code, str) else None

    def attach(self, response, request, code, secure=False):
        response.set_cookie(self.NAME, self.serializer.dumps(code), httponly=True,
                            samesite="Lax", path=self.PATH,
                            secure=secure or request.scheme == "https")
        return response

    def clear(self, response, request, secure=False):
        response.delete_cookie(self.NAME, path=self.PATH, httponly=True, samesite="Lax",
                               secure=secure or request.scheme == "https")
        return response


# --- from a question page's form to an answer, and back ---

DATE_PARTS = ("day", "month", "year")


def form_value(question, form):
    """The answer a question page's form sends, as the service takes it."""
    qid, kind = question["id"], question.get("type")
    if kind == "multi_choice":
        return [v for v in form.getlist(qid) if isinstance(v, str)][:MAX_LIST]
    if kind == "date":
        return {part: (form.get(f"{qid}-{part}") or "").strip()[:12] for part in DATE_PARTS}
    value = form.get(qid)
    if value is None:
        return None
    return value[:MAX_TEXT] if kind in ("text",) else value.strip()[:MAX_TEXT]


def field_values(question, value):
    """What to put back in the form's fields for a saved (or just typed)
    answer: a string, a list of values, or {day, month, year} for a date."""
    kind = question.get("type")
    if value is None:
        return {} if kind == "date" else ([] if kind == "multi_choice" else "")
    if kind == "date":
        if isinstance(value, dict):
            return {p: str(value.get(p) or "") for p in DATE_PARTS}
        day = _as_date(value)
        return {"day": str(day.day), "month": str(day.month), "year": str(day.year)} \
            if day else {}
    if kind == "multi_choice":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if kind == "yes_no" and isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def error_target(question):
    """The id of the field the error summary links to."""
    qid = question["id"] if isinstance(question, dict) else question
    if isinstance(question, dict) and question.get("type") == "date":
        return f"{qid}-day"
    return qid


def question_errors(question_id, error):
    """An ApiError from answer_triage as the messages for this question."""
    messages = []
    for name, found in (error.fields or {}).items():
        if name == question_id or name.startswith(question_id + ".") or name in (
                "value", "_schema"):
            messages.extend(found)
    if not messages:
        messages = [str(m) for found in (error.fields or {}).values() for m in found]
    return messages or [error.message]


# --- words for the pages ---

def _number(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def answer_lines(question, value):
    """A saved answer as the lines a check-your-answers list shows."""
    if value is None or value == "" or value == []:
        return []
    kind = question.get("type") if question else None
    labels = {o.get("value"): o.get("label") for o in (question or {}).get("options") or ()}
    if kind == "multi_choice":
        items = value if isinstance(value, list) else [value]
        return [labels.get(v, str(v)) for v in items]
    if kind == "choice":
        return [labels.get(value, str(value))]
    if kind == "yes_no":
        if isinstance(value, bool):
            return ["Yes" if value else "No"]
        return [{"yes": "Yes", "no": "No"}.get(str(value).lower(), str(value))]
    if kind == "date":
        return [date_text(value) or str(value)]
    if kind == "number_list":
        items = value if isinstance(value, list) else [value]
        return [", ".join(_number(v) for v in items)]
    if kind == "number":
        suffix = question.get("suffix")
        return [f"{_number(value)} {suffix}" if suffix else _number(value)]
    if isinstance(value, list):
        return [", ".join(str(v) for v in value)]
    return [str(value)]


def answer_text(question, value):
    """A saved answer on one line."""
    return ", ".join(answer_lines(question, value))


def days_left(expires_at, now=None):
    """Days until a draft is deleted, rounded up (at least 1 while it lasts)."""
    if not expires_at:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(expires_at))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    seconds = (moment - now).total_seconds()
    return math.ceil(seconds / 86400) if seconds > 0 else 0


STATUS_WORDS = {
    "open": ("Received", "blue", "We have your request. A caseworker will look at it soon."),
    "assigned": ("With a caseworker", "purple",
                 "A caseworker is looking at your request."),
    "closed": ("Closed", "grey", "Your case is closed."),
}

URGENCY_WORDS = {
    "emergency": "Urgent: you need help today",
    "high": "Urgent",
    "standard": "Not urgent",
    "advice": "Advice",
}

DUTY_WORDS = {
    "relief": ("We have a duty to help you find somewhere to live. This is called "
               "the relief duty."),
    "prevention": ("We have a duty to help you stop becoming homeless. This is "
                   "called the prevention duty."),
}

PRIORITY_NEED_WORDS = {
    "pregnancy": "Someone in your household is pregnant",
    "dependent_children": "Children who depend on you live with you",
    "vulnerability": "Someone in your household may be vulnerable",
    "domestic_abuse": "You are at risk of domestic abuse",
    "aged_16_17": "You are 16 or 17",
    "care_leaver_under_21": "You have been in care and are under 21",
}

KEY_DATE_WORDS = (
    ("respond_by", "We will contact you by"),
    ("notice_expires_on", "Your notice ends on"),
    ("duty_ends_on", "Our duty to help you lasts until"),
)


def status_words(case):
    """(tag text, tag colour, sentence) for a case's status."""
    status = case.get("status")
    if status == "closed":
        outcome = CLOSE_OUTCOMES.get(case.get("closed_outcome"))
        return "Closed", "grey", (f"{outcome}. Your case is closed." if outcome
                                  else "Your case is closed.")
    return STATUS_WORDS.get(status, ((status or "").replace("_", " ").capitalize(),
                                     "grey", ""))


def key_dates(case):
    """[(label, date in words)] for the dates that are set."""
    dates = case.get("key_dates") or {}
    return [(label, day_text(dates[name])) for name, label in KEY_DATE_WORDS
            if dates.get(name) and day_text(dates[name])]


def contact_within(next_step):
    """'We will contact you within 2 working days' or ''."""
    days = (next_step or {}).get("within_working_days")
    if days is None:
        return ""
    if days == 0:
        return "We will contact you today."
    unit = "working day" if days == 1 else "working days"
    return f"We will contact you within {days} {unit}."


def priority_need_text(codes):
    return [PRIORITY_NEED_WORDS.get(c, c.replace("_", " ").capitalize()) for c in codes or ()]


def words():
    """The helpers the housing templates call."""
    return {"date": date_text, "day": day_text, "answer": answer_lines,
            "status": status_words, "key_dates": key_dates, "within": contact_within,
            "duty": lambda code: DUTY_WORDS.get(code, ""),
            "urgency": lambda code: URGENCY_WORDS.get(code, code or ""),
            "priority_need": priority_need_text}



# --- caseworker pages ---
#
# Words for staff, not for the person: the codes the caseworkers know, in
# short labels. The person's own words are above.

STAFF_PAGE_SIZE = 25
STAFF_MAX_PAGE = 100_000 // STAFF_PAGE_SIZE

# (label, GOV.UK tag class): emergency red, high orange, standard blue (the
# tag's own colour; --blue for GOV.UK Frontend 5), advice grey
STAFF_URGENCY = {
    "emergency": ("Emergency", "govuk-tag--red"),
    "high": ("High", "govuk-tag--orange"),
    "standard": ("Standard", "govuk-tag--blue"),
    "advice": ("Advice", "govuk-tag--grey"),
}
STAFF_DUTY = {"relief": "Relief", "prevention": "Prevention", "none": "None"}
STAFF_DUTY_LONG = {
    "relief": "Relief duty: help them find somewhere to live",
    "prevention": "Prevention duty: help them keep their home or find another",
    "none": "No duty: advice and information",
}
STAFF_STATUS = {"open": "Not assigned", "assigned": "Assigned", "closed": "Closed"}
# the queue's status filter, in the order the form lists them
STAFF_QUEUE_STATUSES = (
    ("open", "All open cases"),
    ("unassigned", "Not assigned"),
    ("mine", "Assigned to me"),
    ("assigned", "Assigned to anyone"),
    ("closed", "Closed"),
)
STAFF_PRIORITY_NEED = {
    "pregnancy": "Pregnancy in the household",
    "dependent_children": "Dependent children",
    "vulnerability": "May be vulnerable",
    "domestic_abuse": "Domestic abuse",
    "aged_16_17": "Aged 16 or 17",
    "care_leaver_under_21": "Care leaver under 21",
}
STAFF_CLOCKS = {
    "notice_expiring": "Notice ends soon",
    "duty_ending": "56-day duty ends soon",
    "respond_by_passed": "Respond-by date passed",
    "emergency_unassigned": "Emergency not picked up",
}
STAFF_ROUTE = {"self": "The person themselves",
               "referral": "Referral by a public body (duty to refer)"}
STAFF_PARTIES = (("council", "The council"), ("applicant", "The applicant"))
_STAFF_PARTY = dict(STAFF_PARTIES)
# How a caseworker may close a case, as the housing service lists them
# (services/housing/domain/cases.py CLOSE_OUTCOMES): the staff labels, not the
# sentences the person reads (CLOSE_OUTCOMES above).
STAFF_CLOSE_OUTCOMES = {
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
}


class StaffQueueFilters(GatewaySchema):
    """The queue page's GET form. Other query parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    urgency = fields.String(load_default=None, validate=validate.OneOf(
        URGENCIES, error="Choose an urgency from the list"))
    duty = fields.String(load_default=None, validate=validate.OneOf(
        DUTIES, error="Choose a duty from the list"))
    status = fields.String(load_default="open", validate=validate.OneOf(
        QUEUE_STATUSES, error="Choose a status from the list"))
    page = fields.Integer(load_default=1, strict=False, validate=validate.Range(
        1, STAFF_MAX_PAGE, error="There is no such page of cases"), error_messages={
        "invalid": "There is no such page of cases"})


def queue_filters(args):
    """(filters, errors or None) from the queue page's query: a value that
    will not do is reported and left out, so the page still lists cases."""
    data = {name: value.strip() for name, value in args.items()
            if name in StaffQueueFilters._declared_fields and value.strip()}
    try:
        return StaffQueueFilters().load(data), None
    except ValidationError as exc:
        problems = {name: [str(m) for m in messages] for name, messages in
                    exc.messages.items()}
        good = {name: value for name, value in data.items() if name not in problems}
        return StaffQueueFilters().load(good), problems


def queue_url(filters, page=1):
    """/staff/housing with the filters that differ from the defaults."""
    query = [(name, filters[name]) for name in ("urgency", "duty")
             if filters.get(name)]
    if filters.get("status") and filters["status"] != "open":
        query.append(("status", filters["status"]))
    if page > 1:
        query.append(("page", str(page)))
    return "/staff/housing" + (f"?{urlencode(query)}" if query else "")


def is_overdue(case, today=None):
    """The respond-by date has passed and the case is still open."""
    respond_by = _as_date(case.get("respond_by"))
    return bool(respond_by and case.get("status") != "closed"
                and respond_by < (today or staff_today()))


def staff_answer_rows(questionnaire, answers):
    """A case's answers as summary-list rows: the question's summary and the
    answer in words, labels from the questionnaire the case was answered with."""
    by_id = {q["id"]: q for q in (questionnaire or {}).get("questions") or ()}
    rows = []
    for answer in answers or ():
        question = by_id.get(answer.get("question_id"))
        summary = answer.get("summary") or (question or {}).get("summary") or \
            (question or {}).get("text") or answer.get("question_id")
        rows.append({"id": answer.get("question_id"), "summary": summary,
                     "lines": answer_lines(question, answer.get("value"))})
    return rows


def clock_state(clock):
    """What became of a legal clock, in words."""
    if clock.get("fired_at"):
        return f"Escalated at {staff_time(clock['fired_at'])}"
    if clock.get("cancelled_at"):
        return "Cancelled"
    return "Waiting"


def staff_words():
    """The helpers the caseworker templates call."""
    return {
        "day": day_text, "date": date_text, "time": staff_time,
        "answer": answer_lines, "overdue": is_overdue, "clock_state": clock_state,
        "urgency": lambda code: STAFF_URGENCY.get(code, ((code or "").capitalize(),
                                                         "govuk-tag--grey")),
        "duty": lambda code: STAFF_DUTY.get(code, code or ""),
        "duty_long": lambda code: STAFF_DUTY_LONG.get(code, code or ""),
        "status": lambda code: STAFF_STATUS.get(code, (code or "").capitalize()),
        "priority_need": lambda codes: [STAFF_PRIORITY_NEED.get(
            c, c.replace("_", " ").capitalize()) for c in codes or ()],
        "clock": lambda code: STAFF_CLOCKS.get(code, (code or "").replace("_", " ")),
        "route": lambda code: STAFF_ROUTE.get(code, code or ""),
        "party": lambda code: _STAFF_PARTY.get(code, code or ""),
        "close_outcome": lambda code: STAFF_CLOSE_OUTCOMES.get(code, code or ""),
    }


# --- caseworker forms ---

class StaffAssignForm(GatewaySchema):
    take_over = fields.Boolean(load_default=False, error_messages={
        "invalid": "Choose whether to take the case over"})


class StaffNoteForm(NoteBodySchema):
    """As the API's note."""


_DATE_PART = re.compile(r"^[0-9]{1,4}$")


class StaffPlanForm(GatewaySchema):
    party = fields.String(required=True, validate=validate.OneOf(
        PLAN_PARTIES, error="Choose who does this step"), error_messages={
        "required": "Choose who does this step", "null": "Choose who does this step"})
    text = _step_field()
    due_day = fields.String(data_key="due-day", load_default="")
    due_month = fields.String(data_key="due-month", load_default="")
    due_year = fields.String(data_key="due-year", load_default="")

    @validates_schema(skip_on_field_errors=False)
    def _check_due_on(self, data, **kwargs):
        # with the other fields' errors, so the page shows every problem at once
        due_date({name: data.get(f"due_{name}", "").strip() for name in DATE_PARTS})

    @post_load
    def _due_on(self, data, **kwargs):
        parts = {name: data.pop(f"due_{name}").strip() for name in DATE_PARTS}
        data["due_on"] = due_date(parts)
        return data


def due_date(parts):
    """{day, month, year} as typed -> a date, None when all are blank, or
    ValidationError on due_on saying what to fix."""
    if not any(parts.values()):
        return None
    missing = [name for name in DATE_PARTS if not parts.get(name)]
    if missing:
        raise ValidationError({"due_on": [
            "The due date must include a " + " and a ".join(missing)]})
    if not all(_DATE_PART.match(parts[name]) for name in DATE_PARTS) \
            or len(parts["year"]) != 4:
        raise ValidationError({"due_on": ["The due date must be a real date"]})
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise ValidationError({"due_on": ["The due date must be a real date"]})


class StaffCloseForm(GatewaySchema):
    outcome = fields.String(required=True, validate=validate.OneOf(
        list(STAFF_CLOSE_OUTCOMES), error="Choose how the case ended"), error_messages={
        "required": "Choose how the case ended", "null": "Choose how the case ended"})
    note = _note_field(load_default=None, allow_none=True)
