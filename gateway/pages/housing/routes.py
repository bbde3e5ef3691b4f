"""The housing pages for the person: start, the questions one per page,
save and come back, check and send, the outcome, and tracking a case.

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`. The pages render whichever questions the housing
service asks, one per page, and show its messages about an answer word for
word. The resume code travels in a signed, HttpOnly cookie scoped to
/housing (questions.TriageCookie), never in a URL; the case reference and
code reach the outcome page in a short-lived flash cookie, as the bins
confirmation does.
"""
from urllib.parse import quote

from gateway.api.housing import HousingCalls
from gateway.pages.housing import forms, questions, words
from gateway.web import errors
from gateway.web.providers import SignedCookie
from gateway.web.http import page
from gateway.web.requests import redirect

BASE = "/housing"
TRIAGE = "/housing/triage"
OUTCOME_PATH = "/housing/triage/outcome"
CASE_FLASH = "housing_case"
# a code or a reference guessed at from one address: a person needs a few tries
LOOKUP_LIMIT = "20/minute"


def question_path(question_id, change=False):
    return f"{TRIAGE}/question/{quote(question_id)}" + ("?change=1" if change else "")


def next_path(triage, change=False):
    """Where a person goes on from a triage: its next unanswered question,
    or the check page."""
    following = triage.get("next_question")
    if following and not triage.get("submitted"):
        return question_path(following, change)
    return f"{TRIAGE}/check"


class HousingPages(HousingCalls):
    triage_cookie = SignedCookie(questions.TriageCookie)

    # --- start, resume ---

    @page("GET", BASE)
    def housing_start_page(self, request):
        """Get help if you are homeless or at risk of losing your home"""
        return self.pages.render(request, "housing_start.html", {})

    @page("GET", "/housing/help")
    def housing_help_page(self, request):
        """The housing start page's older address"""
        return redirect(BASE, 302)

    @page("POST", BASE)
    def housing_start_submit(self, request):
        """Start the housing questions"""
        started = self.rpc.call("housing", "start_triage")
        return self._with_code(redirect(next_path(started["triage"])), request,
                               started["code"])

    @page("GET", f"{TRIAGE}/resume")
    def housing_resume_page(self, request):
        """Continue a saved form"""
        return self.pages.render(request, "housing_resume.html", {})

    @page("POST", f"{TRIAGE}/resume", form=forms.ResumeFormSchema,
          rate_limit=LOOKUP_LIMIT)
    def housing_resume_submit(self, request):
        """Carry on with a saved form"""
        if request.form_errors:
            return self.pages.render(request, "housing_resume.html", {
                "errors": request.form_errors, "values": request.form}, status=400)
        code = request.validated["code"]
        triage = self._triage_or_none(code)
        if triage is None:
            return self.pages.render(request, "housing_resume.html", {
                "errors": {"code": [
                    "We could not find a saved form with that code. Check the code, "
                    "or start again if it has expired"]},
                "values": request.form}, status=404)
        return self._with_code(redirect(next_path(triage)), request, code)

    # --- the questions ---

    @page("GET", f"{TRIAGE}/question/<question_id>")
    def housing_question_page(self, request, question_id):
        """A housing question"""
        code, triage = self._question_triage(request, question_id)
        if triage is None:
            return code
        form = self._questionnaire(triage["version"])
        question = _question(form, question_id)
        return self._question_page(request, form, triage, question,
                                   triage["answers"].get(question_id))

    @page("POST", f"{TRIAGE}/question/<question_id>")
    def housing_question_submit(self, request, question_id):
        """Answer a housing question"""
        code, triage = self._question_triage(request, question_id)
        if triage is None:
            return code
        form = self._questionnaire(triage["version"])
        question = _question(form, question_id)
        value = questions.form_value(question, request.form)
        saving = request.form.get("action") == "save"
        if saving and _meaningful(value) is None:
            # nothing typed: keep what was saved before, and stop here
            return redirect(f"{TRIAGE}/save")
        try:
            triage = self.rpc.call("housing", "answer_triage", code, question_id, value)
        except errors.ValidationFailed as exc:
            return self._question_page(
                request, form, triage, question, value,
                errors={question_id: questions.question_errors(question_id, exc)}, status=400)
        except errors.NotFound:
            return self._expired(request)
        except errors.Unprocessable:
            # sent meanwhile, from another tab
            return redirect(f"{TRIAGE}/check")
        if saving:
            return redirect(f"{TRIAGE}/save")
        return redirect(next_path(triage, change=_changing(request)))

    @page("GET", f"{TRIAGE}/save")
    def housing_save_page(self, request):
        """Your answers are saved"""
        code, triage = self._page_triage(request)
        if triage is None:
            return code
        return self.pages.render(request, "housing_save.html", {
            "code": code, "triage": triage, "continue_url": next_path(triage),
            "days": words.days_left(triage.get("expires_at"))})

    # --- check, send, outcome ---

    @page("GET", f"{TRIAGE}/check")
    def housing_check_page(self, request):
        """Check your answers"""
        code, triage = self._page_triage(request)
        if triage is None:
            return code
        if not triage["complete"] and not triage.get("submitted"):
            return redirect(next_path(triage))
        return self._check_page(request, triage)

    @page("POST", f"{TRIAGE}/check")
    def housing_check_submit(self, request):
        """Send your answers"""
        code = self.triage_cookie.read(request)
        if code is None:
            return redirect(BASE)
        try:
            answer = self.rpc.call("housing", "submit_triage", code)
        except errors.NotFound:
            return self._expired(request)
        except errors.ValidationFailed as exc:
            triage = self._triage_or_none(code)
            if triage is None:
                return self._expired(request)
            return self._check_page(request, triage, errors=exc.fields or {
                "_schema": [exc.message]}, status=400)
        case = answer["case"]
        response = self.pages.flash.attach(
            redirect(OUTCOME_PATH), CASE_FLASH,
            {"reference": case["reference"], "secret": answer["secret"]}, path=OUTCOME_PATH)
        return self.triage_cookie.clear(response, request, self.settings.cookie_secure)

    @page("GET", OUTCOME_PATH)
    def housing_outcome_page(self, request):
        """Your request for help has been sent"""
        flashed = self.pages.flash.read(request, CASE_FLASH) or {}
        case = self._case_or_none(flashed.get("reference"), flashed.get("secret"))
        if case is None:
            return redirect(f"{BASE}/case")
        return self.pages.render(request, "housing_outcome.html", {
            "case": case, "secret": flashed["secret"], "words": words.words()})

    # --- track a case ---

    @page("GET", f"{BASE}/case")
    def housing_track_page(self, request):
        """Check your housing case"""
        return self.pages.render(request, "housing_track.html", {})

    @page("POST", f"{BASE}/case", form=forms.TrackFormSchema, rate_limit=LOOKUP_LIMIT)
    def housing_track_submit(self, request):
        """Look up a housing case"""
        if request.form_errors:
            return self.pages.render(request, "housing_track.html", {
                "errors": request.form_errors, "values": request.form}, status=400)
        found = request.validated
        case = self._case_or_none(found["reference"], found["secret"])
        if case is None:
            return self.pages.render(request, "housing_track.html", {
                "errors": {"reference": [
                    "No case matches that reference and code. Check both and try again"]},
                "values": request.form}, status=404)
        return self.pages.render(request, "housing_case.html", {
            "case": case, "words": words.words()})


    # --- helpers ---

    def _with_code(self, response, request, code):
        return self.triage_cookie.attach(response, request, code, self.settings.cookie_secure)


    def _triage_or_none(self, code):
        try:
            return self._triage(code)
        except errors.NotFound:
            return None

    def _page_triage(self, request):
        """(code, triage) from the cookie; else (a response to send, None)."""
        code = self.triage_cookie.read(request)
        if code is None:
            return redirect(BASE), None
        triage = self._triage_or_none(code)
        if triage is None:
            return self._expired(request), None
        return code, triage

    def _question_triage(self, request, question_id):
        """As _page_triage, for a question page: else also the check page once
        the form is sent, and the next question for one not (yet) asked."""
        code, triage = self._page_triage(request)
        if triage is None:
            return code, None
        if triage.get("submitted"):
            return redirect(f"{TRIAGE}/check"), None
        if question_id not in triage["asked"]:
            return redirect(next_path(triage)), None
        return code, triage

    def _expired(self, request):
        response = self.pages.render(request, "housing_expired.html", {}, status=404)
        return self.triage_cookie.clear(response, request, self.settings.cookie_secure)


    def _question_page(self, request, form, triage, question, value, errors=None,
                       status=200):
        change = _changing(request)
        asked = triage["asked"]
        position = asked.index(question["id"]) if question["id"] in asked else 0
        if change:
            back = f"{TRIAGE}/check"
        elif position > 0:
            back = question_path(asked[position - 1])
        else:
            back = BASE
        return self.pages.render(request, "housing_question.html", {
            "form": form, "question": question,
            "value": questions.field_values(question, value),
            "errors": errors, "error_target": questions.error_target(question),
            "back_url": back, "change": change,
            "action": question_path(question["id"], change)}, status=status)

    def _check_page(self, request, triage, errors=None, status=200):
        form = self._questionnaire(triage["version"])
        by_id = {q["id"]: q for q in form["questions"]}
        rows = []
        for qid in triage["asked"]:
            question = by_id.get(qid)
            if question is None:
                continue
            rows.append({"id": qid, "summary": question.get("summary") or question["text"],
                         "lines": words.answer_lines(question, triage["answers"].get(qid)),
                         "change_url": question_path(qid, change=True),
                         "errors": (errors or {}).get(qid) or []})
        summary = []
        for name, messages in (errors or {}).items():
            href = question_path(name, change=True) if name in by_id else "#answers"
            summary.extend({"text": m, "href": href} for m in messages)
        return self.pages.render(request, "housing_check.html", {
            "form": form, "triage": triage, "rows": rows, "errors": errors,
            "error_list": summary}, status=status)


def _question(form, question_id):
    for question in form["questions"]:
        if question["id"] == question_id:
            return question
    raise errors.NotFound("There is no such question")


def _changing(request):
    return request.args.get("change") == "1"


def _meaningful(value):
    """None for an answer with nothing typed in it."""
    if isinstance(value, dict):
        return value if any(value.values()) else None
    if isinstance(value, list):
        return [v for v in value if v] or None
    return value if value not in (None, "") else None
