"""The housing questions on pages: the cookie that carries a triage's code
from page to page, and a question page's form fields to an answer and back."""
from itsdangerous import BadData, URLSafeTimedSerializer

from gateway.api.schemas.housing import MAX_LIST, MAX_TEXT, normalise_code
from gateway.web.words import as_date as _as_date


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
