"""Help with housing over HTTP: the triage and case tracking for residents
(JSON API and GOV.UK pages) and the caseworker queue (JSON API and GOV.UK
pages under /staff/housing).

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`. The questions are the housing service's data: the
pages render whichever questions it asks, one per page, and show its
messages about an answer word for word.

On the pages the resume code travels in a signed, HttpOnly cookie scoped to
/housing (gateway.housing.TriageCookie), never in a URL; the case reference
and code reach the outcome page in a short-lived flash cookie, as the bins
confirmation does.

The caseworker pages check the same bearer token and roles as the staff API
(in production the council's identity-aware proxy adds the header); nothing
public links to them. Their forms post, then redirect back to the case page
with a success banner carried in a flash cookie scoped to that case.
"""
from urllib.parse import quote

from gateway import housing
from gateway.web import errors
from gateway.auth.roles import CASEWORKER, SUPERVISOR
from gateway.web.caches import Cache, Versions
from gateway.web.http import api, page, redirect, resident_secret

CASEWORKER_ROLES = frozenset({CASEWORKER, SUPERVISOR})
QUESTIONNAIRE_TTL = 300
BASE = "/housing"
TRIAGE = "/housing/triage"
OUTCOME_PATH = "/housing/triage/outcome"
CASE_FLASH = "housing_case"
# a code or a reference guessed at from one address: a person needs a few tries
LOOKUP_LIMIT = "20/minute"
STAFF = "/staff/housing"
STAFF_FLASH = "housing_staff"
MAX_VIEW_REASON = 500
# which field on the case page each form's errors belong to (the error
# summary links to it); the first is for errors about the form as a whole
ASSIGN_FIELDS = {"take_over": "assign"}
NOTE_FIELDS = {"text": "note-text"}
PLAN_FIELDS = {"party": "plan-party", "text": "plan-text", "due_on": "plan-due-day"}
CLOSE_FIELDS = {"outcome": "close-outcome", "note": "close-note"}


_COOKIES = {}


def staff_args(principal):
    """Who acts: always the token's subject, never a value the caller sends;
    a supervisor acts as one."""
    return {"staff_id": principal.sub,
            "role": SUPERVISOR if SUPERVISOR in principal.roles else CASEWORKER}


def triage_not_found(message=None):
    return errors.NotFound(
        message or "We could not find a saved form with that code. Check the code, "
                   "or start again if it has expired", code="triage_not_found")


def case_not_found():
    return errors.NotFound(
        "No case matches that reference and code. Check both and try again",
        code="case_not_found")


def question_path(question_id, change=False):
    return f"{TRIAGE}/question/{quote(question_id)}" + ("?change=1" if change else "")


def next_path(triage, change=False):
    """Where a person goes on from a triage: its next unanswered question,
    or the check page."""
    following = triage.get("next_question")
    if following and not triage.get("submitted"):
        return question_path(following, change)
    return f"{TRIAGE}/check"


def staff_case_path(case_id):
    return f"{STAFF}/cases/{case_id}"


def _field_ids(problems, fields):
    """{form field: [message]} -> {id on the case page: [message]}."""
    first = next(iter(fields.values()))
    out = {}
    for name, messages in (problems or {}).items():
        out.setdefault(fields.get(name, first), []).extend(messages)
    return out


def _view_reason(request):
    reason = (request.args.get("reason") or "").strip()
    if len(reason) > MAX_VIEW_REASON:
        raise errors.ValidationFailed(
            f"The reason for looking at the case must be {MAX_VIEW_REASON} characters "
            "or fewer")
    return reason or None


def _check_case_id(case_id):
    if not housing.valid_case_id(case_id):
        raise errors.NotFound("There is no case with that id", code="case_not_found")


class HousingRoutes:
    # questionnaire definitions by version, kept a few minutes so a question
    # page makes one RPC for the draft, not two
    questionnaires = Cache(Versions, ttl=QUESTIONNAIRE_TTL)

    # --- JSON API: the person ---

    @api("GET", "/api/v1/housing/questionnaire", query=housing.QuestionnaireQuerySchema,
         response=housing.QuestionnaireSchema, tags=["housing"], errors=[503])
    def housing_questionnaire(self, request):
        """The housing help questions

        Every question of the triage, with its type, options and the
        conditions on earlier answers under which it is asked. A triage
        keeps the version it began with."""
        return self._questionnaire(request.query["version"])

    @api("POST", "/api/v1/housing/triages", response=housing.StartedTriageSchema,
         status=201, tags=["housing"], errors=[503])
    def housing_start_triage(self, request):
        """Start asking for help with housing

        201 with a code: send it as X-Resident-Secret to answer the
        questions, and keep it to come back later. Answers are kept for a
        few days (`triage.expires_at`)."""
        return 201, self.rpc.call("housing", "start_triage")

    @api("GET", "/api/v1/housing/triage", response=housing.TriageViewSchema,
         tags=["housing"], errors=[404, 503])
    def housing_get_triage(self, request):
        """A triage in progress

        The answers so far, the questions that apply given them, and the
        next one to answer. Send the code in X-Resident-Secret; an unknown
        or expired code gives 404."""
        return self._triage(self._api_code(request))

    @api("PUT", "/api/v1/housing/triage/answers/<question_id>", body=housing.AnswerSchema,
         response=housing.TriageViewSchema, tags=["housing"], errors=[404, 422, 503])
    def housing_answer(self, request, question_id):
        """Answer one question

        Send the code in X-Resident-Secret. 400 when the answer will not
        do: `error.fields` names the question, with the message to show the
        person. Changing an earlier answer can change which questions come
        next. 422 `already_submitted` once the form has been sent."""
        code = self._api_code(request)
        if not housing.valid_question_id(question_id):
            raise errors.ValidationFailed(fields={question_id[:64]: [
                "There is no such question"]})
        try:
            return self.rpc.call("housing", "answer_triage", code, question_id,
                                 request.validated["value"])
        except errors.NotFound as exc:
            raise triage_not_found(exc.message)

    @api("POST", "/api/v1/housing/triage/submit", response=housing.SubmittedTriageSchema,
         status=201, tags=["housing"], also=((200, "Already sent: the same case"),),
         errors=[400, 404, 503])
    def housing_submit(self, request):
        """Send the answers and get a case

        201 with the case reference, a secret and what happens next. 400
        when answers are missing or contradict each other: `error.fields`
        names each question. Sending the same form again gives 200 with the
        same case and secret."""
        code = self._api_code(request)
        try:
            answer = self.rpc.call("housing", "submit_triage", code)
        except errors.NotFound as exc:
            raise triage_not_found(exc.message)
        case = answer["case"]
        reference = case["reference"]
        status_url = f"/api/v1/housing/cases/{quote(reference)}"
        payload = {"created": bool(answer.get("created")), "reference": reference,
                   "secret": answer["secret"], "case": case, "status_url": status_url}
        if not payload["created"]:
            return 200, payload
        return 201, {"Location": status_url}, payload

    @api("GET", "/api/v1/housing/cases/<reference>", response=housing.CaseStatusSchema,
         tags=["housing"], errors=[404, 503])
    def housing_case_status(self, request, reference):
        """A housing case's progress

        What the triage decided, the next step and the dates that matter.
        Send the secret given when the form was sent in X-Resident-Secret.
        An unknown reference and a wrong secret both give 404."""
        case = self._case_or_none(reference, resident_secret(request))
        if case is None:
            raise case_not_found()
        return case

    # --- JSON API: caseworkers ---

    @api("GET", "/api/v1/housing/staff/queue", roles=CASEWORKER_ROLES,
         query=housing.QueueQuerySchema, response=housing.QueueSchema,
         tags=["housing: caseworkers"], errors=[503])
    def housing_queue(self, request):
        """The caseworkers' queue

        Most urgent first (emergency, high, standard, advice), then by the
        date we must respond by. status: open (default), unassigned,
        assigned, mine or closed."""
        filters = {k: v for k, v in request.query.items() if v is not None}
        return self.rpc.call("housing", "list_queue", **staff_args(request.principal),
                             **filters)

    @api("GET", "/api/v1/housing/staff/cases/<case_id>", roles=CASEWORKER_ROLES,
         query=housing.CaseQuerySchema, response=housing.CaseDetailSchema,
         tags=["housing: caseworkers"], errors=[404, 503])
    def housing_case(self, request, case_id):
        """One case, in full

        The answers, the triage's outcome, notes and the housing plan.
        Every look is recorded in the audit log, with the reason if given."""
        _check_case_id(case_id)
        return self.rpc.call("housing", "get_case", case_id=case_id,
                             reason=request.query["reason"] or None,
                             **staff_args(request.principal))

    @api("POST", "/api/v1/housing/staff/cases/<case_id>/assign", roles=CASEWORKER_ROLES,
         body=housing.AssignSchema, response=housing.QueueItemSchema,
         tags=["housing: caseworkers"], errors=[404, 409, 422, 503])
    def housing_assign(self, request, case_id):
        """Take a case

        409 `already_assigned` when another caseworker has it: send
        take_over true to take it from them. 422 `case_closed` for a closed
        case."""
        _check_case_id(case_id)
        return self.rpc.call("housing", "assign_case", case_id=case_id,
                             take_over=request.validated["take_over"],
                             **staff_args(request.principal))

    @api("POST", "/api/v1/housing/staff/cases/<case_id>/notes", roles=CASEWORKER_ROLES,
         body=housing.NoteBodySchema, response=housing.NoteSchema, status=201,
         tags=["housing: caseworkers"], errors=[404, 503])
    def housing_add_note(self, request, case_id):
        """Add a case note

        Staff only: the person never sees notes."""
        _check_case_id(case_id)
        return 201, self.rpc.call("housing", "add_note", case_id=case_id,
                                  text=request.validated["text"],
                                  **staff_args(request.principal))

    @api("POST", "/api/v1/housing/staff/cases/<case_id>/plan", roles=CASEWORKER_ROLES,
         body=housing.PlanBodySchema, response=housing.PlanStepSchema, status=201,
         tags=["housing: caseworkers"], errors=[404, 422, 503])
    def housing_add_plan_step(self, request, case_id):
        """Add a step to the housing plan

        party: council or applicant (the person)."""
        _check_case_id(case_id)
        body = request.validated
        due_on = body["due_on"]
        return 201, self.rpc.call("housing", "add_plan_step", case_id=case_id,
                                  party=body["party"], text=body["text"],
                                  due_on=due_on.isoformat() if due_on else None,
                                  **staff_args(request.principal))

    @api("POST", "/api/v1/housing/staff/cases/<case_id>/plan/<int:step_id>/complete",
         roles=CASEWORKER_ROLES, response=housing.PlanStepSchema,
         tags=["housing: caseworkers"], errors=[404, 503])
    def housing_complete_plan_step(self, request, case_id, step_id):
        """Mark a plan step done"""
        _check_case_id(case_id)
        return self.rpc.call("housing", "complete_plan_step", case_id=case_id,
                             step_id=step_id, **staff_args(request.principal))

    @api("POST", "/api/v1/housing/staff/cases/<case_id>/close", roles=CASEWORKER_ROLES,
         body=housing.CloseBodySchema, response=housing.QueueItemSchema,
         tags=["housing: caseworkers"], errors=[404, 422, 503])
    def housing_close(self, request, case_id):
        """Close a case with its outcome

        outcome: homelessness_prevented, homelessness_relieved,
        main_duty_accepted, not_homeless, not_eligible,
        intentionally_homeless, no_contact, withdrawn, advice_given or
        referred_to_another_council. 422 `case_closed` when it is already
        closed."""
        _check_case_id(case_id)
        body = request.validated
        return self.rpc.call("housing", "close_case", case_id=case_id,
                             outcome=body["outcome"], note=body["note"] or None,
                             **staff_args(request.principal))

    @api("GET", "/api/v1/housing/staff/audit", roles={SUPERVISOR},
         query=housing.AuditQuerySchema, response=housing.AuditSchema,
         tags=["housing: caseworkers"], errors=[503])
    def housing_audit(self, request):
        """Who looked at or changed cases

        Newest first; optionally for one case. Reading it is recorded too."""
        case_id = request.query["case_id"]
        return self.rpc.call("housing", "read_audit",
                             case_id=str(case_id) if case_id else None,
                             limit=request.query["limit"], **staff_args(request.principal))

    # --- resident pages: start, resume ---

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

    @page("POST", f"{TRIAGE}/resume", form=housing.ResumeFormSchema,
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

    # --- resident pages: the questions ---

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
        value = housing.form_value(question, request.form)
        saving = request.form.get("action") == "save"
        if saving and _meaningful(value) is None:
            # nothing typed: keep what was saved before, and stop here
            return redirect(f"{TRIAGE}/save")
        try:
            triage = self.rpc.call("housing", "answer_triage", code, question_id, value)
        except errors.ValidationFailed as exc:
            return self._question_page(
                request, form, triage, question, value,
                errors={question_id: housing.question_errors(question_id, exc)}, status=400)
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
            "days": housing.days_left(triage.get("expires_at"))})

    # --- resident pages: check, send, outcome ---

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
        code = self._cookie().read(request)
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
        return self._cookie().clear(response, request, self.settings.cookie_secure)

    @page("GET", OUTCOME_PATH)
    def housing_outcome_page(self, request):
        """Your request for help has been sent"""
        flashed = self.pages.flash.read(request, CASE_FLASH) or {}
        case = self._case_or_none(flashed.get("reference"), flashed.get("secret"))
        if case is None:
            return redirect(f"{BASE}/case")
        return self.pages.render(request, "housing_outcome.html", {
            "case": case, "secret": flashed["secret"], "words": housing.words()})

    # --- resident pages: track a case ---

    @page("GET", f"{BASE}/case")
    def housing_track_page(self, request):
        """Check your housing case"""
        return self.pages.render(request, "housing_track.html", {})

    @page("POST", f"{BASE}/case", form=housing.TrackFormSchema, rate_limit=LOOKUP_LIMIT)
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
            "case": case, "words": housing.words()})

    # --- caseworker pages ---

    @page("GET", STAFF, roles=CASEWORKER_ROLES)
    def housing_staff_queue_page(self, request):
        """Housing cases"""
        filters, problems = housing.queue_filters(request.args)
        size = housing.STAFF_PAGE_SIZE
        number = filters["page"]
        listed = self.rpc.call("housing", "list_queue", **staff_args(request.principal),
                               urgency=filters["urgency"], duty=filters["duty"],
                               status=filters["status"], limit=size,
                               offset=(number - 1) * size)
        cases, total = listed["cases"], listed["total"]
        first = (number - 1) * size + 1
        return self.pages.render(request, "housing_staff_queue.html", {
            "cases": cases, "total": total, "filters": filters, "errors": problems,
            "first": first, "last": first + len(cases) - 1, "me": request.principal.sub,
            "today": housing.staff_today(), "words": housing.staff_words(),
            "urgencies": [(code, housing.STAFF_URGENCY[code][0]) for code in housing.URGENCIES],
            "duties": list(housing.STAFF_DUTY.items()),
            "statuses": housing.STAFF_QUEUE_STATUSES,
            "previous_url": housing.queue_url(filters, number - 1) if number > 1 else None,
            "next_url": housing.queue_url(filters, number + 1)
            if first - 1 + len(cases) < total else None,
            "first_page_url": housing.queue_url(filters, 1),
        }, status=400 if problems else 200)

    @page("GET", f"{STAFF}/cases/<case_id>", roles=CASEWORKER_ROLES)
    def housing_staff_case_page(self, request, case_id):
        """A housing case"""
        _check_case_id(case_id)
        reason = _view_reason(request)
        flashed = self.pages.flash.read(request, STAFF_FLASH)
        banner = flashed.get("message") if isinstance(flashed, dict) and \
            flashed.get("case_id") == case_id else None
        response = self._staff_case_page(request, case_id, reason=reason, banner=banner)
        return self.pages.flash.clear(response, request, STAFF_FLASH, staff_case_path(case_id))

    @page("POST", f"{STAFF}/cases/<case_id>/assign", roles=CASEWORKER_ROLES,
          form=housing.StaffAssignForm)
    def housing_staff_assign(self, request, case_id):
        """Assign a housing case to yourself"""
        _check_case_id(case_id)
        if request.form_errors:
            return self._staff_case_page(
                request, case_id, problems=_field_ids(request.form_errors, ASSIGN_FIELDS),
                status=400)
        take_over = request.validated["take_over"]
        try:
            item = self.rpc.call("housing", "assign_case", case_id=case_id,
                                 take_over=take_over, **staff_args(request.principal))
        except (errors.Conflict, errors.Unprocessable) as exc:
            # someone took it meanwhile, or it was closed: the page now says so
            return self._staff_case_page(request, case_id, problems={"assign": [exc.message]},
                                         status=exc.status)
        message = (f"You have taken over case {item['reference']}" if take_over
                   else f"Case {item['reference']} is assigned to you")
        return self._staff_done(case_id, message)

    @page("POST", f"{STAFF}/cases/<case_id>/notes", roles=CASEWORKER_ROLES,
          form=housing.StaffNoteForm)
    def housing_staff_add_note(self, request, case_id):
        """Add a note to a housing case"""
        _check_case_id(case_id)
        return self._staff_form(
            request, case_id, "note", NOTE_FIELDS, "Note added",
            lambda body: self.rpc.call("housing", "add_note", case_id=case_id,
                                       text=body["text"], **staff_args(request.principal)))

    @page("POST", f"{STAFF}/cases/<case_id>/plan", roles=CASEWORKER_ROLES,
          form=housing.StaffPlanForm)
    def housing_staff_add_plan_step(self, request, case_id):
        """Add a step to a housing plan"""
        _check_case_id(case_id)
        return self._staff_form(
            request, case_id, "plan", PLAN_FIELDS, "Plan step added",
            lambda body: self.rpc.call(
                "housing", "add_plan_step", case_id=case_id, party=body["party"],
                text=body["text"],
                due_on=body["due_on"].isoformat() if body["due_on"] else None,
                **staff_args(request.principal)))

    @page("POST", f"{STAFF}/cases/<case_id>/plan/<int:step_id>/complete",
          roles=CASEWORKER_ROLES)
    def housing_staff_complete_plan_step(self, request, case_id, step_id):
        """Mark a plan step done"""
        _check_case_id(case_id)
        self.rpc.call("housing", "complete_plan_step", case_id=case_id, step_id=step_id,
                      **staff_args(request.principal))
        return self._staff_done(case_id, "Plan step marked as done")

    @page("POST", f"{STAFF}/cases/<case_id>/close", roles=CASEWORKER_ROLES,
          form=housing.StaffCloseForm)
    def housing_staff_close(self, request, case_id):
        """Close a housing case"""
        _check_case_id(case_id)
        return self._staff_form(
            request, case_id, "close", CLOSE_FIELDS,
            lambda body: "Case closed: " + housing.STAFF_CLOSE_OUTCOMES[body["outcome"]],
            lambda body: self.rpc.call(
                "housing", "close_case", case_id=case_id, outcome=body["outcome"],
                note=body["note"] or None, **staff_args(request.principal)))

    # --- helpers ---

    def _questionnaire(self, version=None):
        return self.questionnaires.get(
            lambda v: self.rpc.call("housing", "questionnaire", version=v), version)

    def _cookie(self):
        secret = self.pages.flash.serializer.secret_key
        cookie = _COOKIES.get(secret)
        if cookie is None:
            cookie = _COOKIES[secret] = housing.TriageCookie(secret)
        return cookie

    def _with_code(self, response, request, code):
        return self._cookie().attach(response, request, code, self.settings.cookie_secure)

    @staticmethod
    def _api_code(request):
        code = housing.normalise_code(resident_secret(request))
        if code is None:
            raise triage_not_found(
                "Send the code you were given in the X-Resident-Secret header")
        return code

    def _triage(self, code):
        try:
            return self.rpc.call("housing", "get_triage", code)
        except (errors.NotFound, errors.ValidationFailed) as exc:
            raise triage_not_found(exc.message if isinstance(exc, errors.NotFound) else None)

    def _triage_or_none(self, code):
        try:
            return self._triage(code)
        except errors.NotFound:
            return None

    def _page_triage(self, request):
        """(code, triage) from the cookie; else (a response to send, None)."""
        code = self._cookie().read(request)
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
        return self._cookie().clear(response, request, self.settings.cookie_secure)

    def _case_or_none(self, reference, secret):
        normalised = housing.normalise_reference(reference)
        if normalised is None or not secret:
            return None
        try:
            return self.rpc.call("housing", "case_status", normalised, secret)
        except (errors.NotFound, errors.ValidationFailed):
            return None

    def _staff_form(self, request, case_id, name, fields, message, act):
        """Runs a case page form: the case page again with the errors, or
        Post/Redirect/Get to it with a success banner."""
        if request.form_errors:
            return self._staff_case_page(
                request, case_id, problems=_field_ids(request.form_errors, fields),
                failed=name, status=400)
        body = request.validated
        try:
            act(body)
        except errors.ValidationFailed as exc:
            problems = exc.fields or {next(iter(fields)): [exc.message]}
            return self._staff_case_page(request, case_id, problems=_field_ids(problems, fields),
                                         failed=name, status=400)
        except errors.Unprocessable as exc:
            # closed meanwhile, by someone else
            return self._staff_case_page(
                request, case_id, problems=_field_ids({next(iter(fields)): [exc.message]},
                                                    fields),
                failed=name, status=exc.status)
        return self._staff_done(case_id, message(body) if callable(message) else message)

    def _staff_done(self, case_id, message):
        path = staff_case_path(case_id)
        return self.pages.flash.attach(redirect(path), STAFF_FLASH,
                                       {"case_id": case_id, "message": message}, path=path)

    def _staff_case_page(self, request, case_id, reason=None, banner=None, problems=None,
                         failed=None, status=200):
        case = self.rpc.call("housing", "get_case", case_id=case_id, reason=reason,
                             **staff_args(request.principal))
        questionnaire = None
        if case.get("answers") and case.get("questionnaire_version") is not None:
            try:
                questionnaire = self._questionnaire(case["questionnaire_version"])
            except (errors.ValidationFailed, errors.NotFound):
                # a version no longer on disk: the answers show as stored
                questionnaire = None
        return self.pages.render(request, "housing_staff_case.html", {
            "case": case, "answers": housing.staff_answer_rows(questionnaire,
                                                               case.get("answers")),
            "words": housing.staff_words(), "me": request.principal.sub,
            "today": housing.staff_today(), "reason": reason, "banner": banner,
            "errors": problems, "failed": failed,
            "values": request.form if failed else {},
            "path": staff_case_path(case_id),
            "outcomes": list(housing.STAFF_CLOSE_OUTCOMES.items()),
            "parties": housing.STAFF_PARTIES}, status=status)

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
            "form": form, "question": question, "value": housing.field_values(question, value),
            "errors": errors, "error_target": housing.error_target(question),
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
                         "lines": housing.answer_lines(question, triage["answers"].get(qid)),
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
