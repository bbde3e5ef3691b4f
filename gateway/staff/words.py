"""The caseworker pages' words, filters and rows: staff vocabulary, not the person's."""
from urllib.parse import urlencode

from marshmallow import EXCLUDE, ValidationError, fields, validate

from services.housing.contract import CLOSE_OUTCOMES, DUTIES, QUEUE_STATUSES, URGENCIES

from gateway.pages.housing.words import answer_lines
from gateway.web.schemas import GatewaySchema
from gateway.web.words import date_text, day_text
from gateway.web.words import when_text as staff_time

# # Words for staff, not for the person: the codes the caseworkers know, in
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
# How a caseworker may close a case: the housing service's own labels, in
# its order (the person reads other words: CLOSE_OUTCOME_SENTENCES).
STAFF_CLOSE_OUTCOMES = CLOSE_OUTCOMES


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
        "answer": answer_lines, "clock_state": clock_state,
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
