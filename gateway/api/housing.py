"""Housing help's JSON API: the triage and case tracking for the person, and
the caseworkers' queue and cases.

A mixin of GatewayService (gateway/service.py), which supplies `rpc` and
`settings`. The questions are the housing service's data: the API hands on
whichever questions it asks, and its messages about an answer word for word.
HousingCalls, the calls the resident pages and the caseworker pages make
too, is a base of each of their mixins.
"""
from urllib.parse import quote

from gateway.api.schemas import housing
from gateway.web import errors
from gateway.auth.roles import CASEWORKER, SUPERVISOR
from gateway.web.caches import Cache, Versions
from gateway.web.http import api
from gateway.web.requests import resident_secret

CASEWORKER_ROLES = frozenset({CASEWORKER, SUPERVISOR})
QUESTIONNAIRE_TTL = 300


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


def check_case_id(case_id):
    if not housing.valid_case_id(case_id):
        raise errors.NotFound("There is no case with that id", code="case_not_found")


class HousingCalls:
    """The housing service's calls that the API and the pages share."""
    # questionnaire definitions by version, kept a few minutes so a question
    # page makes one RPC for the draft, not two
    questionnaires = Cache(Versions, ttl=QUESTIONNAIRE_TTL)

    def _questionnaire(self, version=None):
        return self.questionnaires.get(
            lambda v: self.rpc.call("housing", "questionnaire", version=v), version)

    def _triage(self, code):
        try:
            return self.rpc.call("housing", "get_triage", code)
        except (errors.NotFound, errors.ValidationFailed) as exc:
            raise triage_not_found(exc.message if isinstance(exc, errors.NotFound) else None)

    def _case_or_none(self, reference, secret):
        normalised = housing.normalise_reference(reference)
        if normalised is None or not secret:
            return None
        try:
            return self.rpc.call("housing", "case_status", normalised, secret)
        except (errors.NotFound, errors.ValidationFailed):
            return None


class HousingApi(HousingCalls):

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
        check_case_id(case_id)
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
        check_case_id(case_id)
        return self.rpc.call("housing", "assign_case", case_id=case_id,
                             take_over=request.validated["take_over"],
                             **staff_args(request.principal))

    @api("POST", "/api/v1/housing/staff/cases/<case_id>/notes", roles=CASEWORKER_ROLES,
         body=housing.NoteBodySchema, response=housing.NoteSchema, status=201,
         tags=["housing: caseworkers"], errors=[404, 503])
    def housing_add_note(self, request, case_id):
        """Add a case note

        Staff only: the person never sees notes."""
        check_case_id(case_id)
        return 201, self.rpc.call("housing", "add_note", case_id=case_id,
                                  text=request.validated["text"],
                                  **staff_args(request.principal))

    @api("POST", "/api/v1/housing/staff/cases/<case_id>/plan", roles=CASEWORKER_ROLES,
         body=housing.PlanBodySchema, response=housing.PlanStepSchema, status=201,
         tags=["housing: caseworkers"], errors=[404, 422, 503])
    def housing_add_plan_step(self, request, case_id):
        """Add a step to the housing plan

        party: council or applicant (the person)."""
        check_case_id(case_id)
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
        check_case_id(case_id)
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
        check_case_id(case_id)
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

    # --- helpers ---

    @staticmethod
    def _api_code(request):
        code = housing.normalise_code(resident_secret(request))
        if code is None:
            raise triage_not_found(
                "Send the code you were given in the X-Resident-Secret header")
        return code
