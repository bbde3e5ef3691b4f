"""The caseworkers' housing pages under /staff/housing: the queue and its
filters, a case's answers and outcome, and its forms (assign, take over,
notes, the plan, closing).

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`. The pages check the same bearer token and roles as
the staff API (in production the council's identity-aware proxy adds the
header); nothing public links to them. Their forms post, then redirect back
to the case page with a success banner carried in a flash cookie scoped to
that case.
"""
from gateway.api.housing import CASEWORKER_ROLES, HousingCalls, check_case_id, staff_args
from gateway.api.schemas import housing
from gateway.staff import forms, words
from gateway.web import errors
from gateway.web.http import page
from gateway.web.requests import redirect

STAFF = "/staff/housing"
STAFF_FLASH = "housing_staff"
MAX_VIEW_REASON = 500
# which field on the case page each form's errors belong to (the error
# summary links to it); the first is for errors about the form as a whole
ASSIGN_FIELDS = {"take_over": "assign"}
NOTE_FIELDS = {"text": "note-text"}
PLAN_FIELDS = {"party": "plan-party", "text": "plan-text", "due_on": "plan-due-day"}
CLOSE_FIELDS = {"outcome": "close-outcome", "note": "close-note"}


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


class StaffHousingPages(HousingCalls):

    @page("GET", STAFF, roles=CASEWORKER_ROLES)
    def housing_staff_queue_page(self, request):
        """Housing cases"""
        filters, problems = words.queue_filters(request.args)
        size = words.STAFF_PAGE_SIZE
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
            "words": words.staff_words(),
            "urgencies": [(code, words.STAFF_URGENCY[code][0]) for code in housing.URGENCIES],
            "duties": list(words.STAFF_DUTY.items()),
            "statuses": words.STAFF_QUEUE_STATUSES,
            "previous_url": words.queue_url(filters, number - 1) if number > 1 else None,
            "next_url": words.queue_url(filters, number + 1)
            if first - 1 + len(cases) < total else None,
            "first_page_url": words.queue_url(filters, 1),
        }, status=400 if problems else 200)

    @page("GET", f"{STAFF}/cases/<case_id>", roles=CASEWORKER_ROLES)
    def housing_staff_case_page(self, request, case_id):
        """A housing case"""
        check_case_id(case_id)
        reason = _view_reason(request)
        flashed = self.pages.flash.read(request, STAFF_FLASH)
        banner = flashed.get("message") if isinstance(flashed, dict) and \
            flashed.get("case_id") == case_id else None
        response = self._staff_case_page(request, case_id, reason=reason, banner=banner)
        return self.pages.flash.clear(response, request, STAFF_FLASH, staff_case_path(case_id))

    @page("POST", f"{STAFF}/cases/<case_id>/assign", roles=CASEWORKER_ROLES,
          form=forms.StaffAssignForm)
    def housing_staff_assign(self, request, case_id):
        """Assign a housing case to yourself"""
        check_case_id(case_id)
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
          form=forms.StaffNoteForm)
    def housing_staff_add_note(self, request, case_id):
        """Add a note to a housing case"""
        check_case_id(case_id)
        return self._staff_form(
            request, case_id, "note", NOTE_FIELDS, "Note added",
            lambda body: self.rpc.call("housing", "add_note", case_id=case_id,
                                       text=body["text"], **staff_args(request.principal)))

    @page("POST", f"{STAFF}/cases/<case_id>/plan", roles=CASEWORKER_ROLES,
          form=forms.StaffPlanForm)
    def housing_staff_add_plan_step(self, request, case_id):
        """Add a step to a housing plan"""
        check_case_id(case_id)
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
        check_case_id(case_id)
        self.rpc.call("housing", "complete_plan_step", case_id=case_id, step_id=step_id,
                      **staff_args(request.principal))
        return self._staff_done(case_id, "Plan step marked as done")

    @page("POST", f"{STAFF}/cases/<case_id>/close", roles=CASEWORKER_ROLES,
          form=forms.StaffCloseForm)
    def housing_staff_close(self, request, case_id):
        """Close a housing case"""
        check_case_id(case_id)
        return self._staff_form(
            request, case_id, "close", CLOSE_FIELDS,
            lambda body: "Case closed: " + words.STAFF_CLOSE_OUTCOMES[body["outcome"]],
            lambda body: self.rpc.call(
                "housing", "close_case", case_id=case_id, outcome=body["outcome"],
                note=body["note"] or None, **staff_args(request.principal)))


    # --- helpers ---

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
            "case": case, "answers": words.staff_answer_rows(questionnaire,
                                                               case.get("answers")),
            "words": words.staff_words(), "me": request.principal.sub,
            "reason": reason, "banner": banner,
            "errors": problems, "failed": failed,
            "values": request.form if failed else {},
            "path": staff_case_path(case_id),
            "outcomes": list(words.STAFF_CLOSE_OUTCOMES.items()),
            "parties": words.STAFF_PARTIES}, status=status)
