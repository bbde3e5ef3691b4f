"""The words the housing pages use for answers, statuses, duties and dates."""
import datetime as dt
import math

from gateway.api.schemas.housing import CLOSE_OUTCOME_SENTENCES
from gateway.web.words import date_text, day_text


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
        outcome = CLOSE_OUTCOME_SENTENCES.get(case.get("closed_outcome"))
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
