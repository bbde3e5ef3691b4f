"""Housing use cases: triage drafts, cases, the caseworker's record, clocks.

Each function takes a unit of work (or a read's store), the settings and
"now", calls the domain (Case) for every decision and the store the unit of
work hands out (`uow.store`) for every row. A refusal is a RuleBroken.
"""
import datetime as dt
import pathlib
import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from services.housing.domain import cases, clocks, questionnaire, triage
from services.housing.domain.cases import Case
from services.housing.domain.questionnaire import Questionnaire
from services.housing.errors import AuditForbidden, CaseNotFound, StepNotFound, TriageNotFound
from services.housing.settings import HousingSettings
from services.kit import references
from services.kit.replies import wire_value
from services.kit.db import Store, Work
from services.kit.rules import RuleBroken, decided
from services.council import links
from services.council.words import local_today
from services.council.workdays import working_calendar

REFERENCE_ATTEMPTS = 8
CLOCK_BATCH = 200
ANONYMISE_BATCH = 500
SUPERVISOR = "supervisor"

# A row of the store's: column name -> value.
Row = Mapping[str, Any]


class Questionnaires:
    """Every questionnaire version on disk; new triages get the highest."""

    def __init__(self, directory: str | pathlib.Path) -> None:
        self.by_version = questionnaire.load_directory(directory)
        if not self.by_version:
            raise ValueError(f"no questionnaire definitions in {directory}")
        self.current = self.by_version[max(self.by_version)]

    def get(self, version: int) -> Questionnaire:
        try:
            return self.by_version[version]
        except KeyError:
            raise ValidationError({"version": ["There is no questionnaire with that version."]})


def _plain(row: Row) -> dict[str, Any]:
    """A row with its dates, times and ids as JSON text."""
    return {k: wire_value(v) for k, v in row.items()}

# -- the triage, as the person answers it --------------------------------------------


def questionnaire_definition(forms: Questionnaires,
                             version: int | None = None) -> dict[str, Any]:
    return (forms.get(version) if version is not None else forms.current).to_dict()


def start_triage(uow: Work, settings: HousingSettings, forms: Questionnaires,
                 now: dt.datetime) -> dict[str, Any]:
    code = references.new_code()
    draft = {"id": uuid.uuid4(), "code_sha256": references.code_sha256(code),
             "questionnaire_version": forms.current.version, "answers": {},
             "created_at": now, "expires_at": now + dt.timedelta(days=settings.draft_days)}
    uow.store.insert_draft(draft)
    return {"code": code, "triage": _triage_view(forms.current, draft)}


def _draft(repo: Store, code: str, now: dt.datetime, lock: bool = False) -> dict[str, Any]:
    draft = repo.draft_by_code(references.code_sha256(code), now, lock)
    if draft is None:
        raise TriageNotFound("We could not find a saved form with that code. Check the "
                             "code, or start again if it has expired.")
    return draft


def _triage_view(form: Questionnaire, draft: Row) -> dict[str, Any]:
    answers = form.relevant(draft["answers"])
    following = form.next_unanswered(answers)
    return {"version": form.version, "answers": answers,
            "asked": [q.id for q in form.asked(answers)],
            "next_question": following.id if following else None,
            "complete": following is None,
            "submitted": draft.get("case_id") is not None,
            "expires_at": wire_value(draft["expires_at"])}


def get_triage(repo: Store, forms: Questionnaires, now: dt.datetime,
               code: str) -> dict[str, Any]:
    draft = _draft(repo, code, now)
    return _triage_view(forms.get(draft["questionnaire_version"]), draft)


def answer_triage(uow: Work, settings: HousingSettings, forms: Questionnaires,
                  now: dt.datetime, code: str, question_id: str, value: Any) -> dict[str, Any]:
    draft = _draft(uow.store, code, now, lock=True)
    if draft["case_id"] is not None:
        raise RuleBroken("already_submitted",
                         "This form has been sent. Use your case reference to check it.")
    form = forms.get(draft["questionnaire_version"])
    answers = form.relevant(draft["answers"])
    try:
        form.question(question_id)
        if question_id not in {q.id for q in form.asked(answers)}:
            raise questionnaire.AnswerError(
                question_id, "This question does not apply, given your earlier answers")
        answers[question_id] = form.parse_answer(question_id, value, settings.today(now))
    except questionnaire.AnswerError as error:
        raise ValidationError({error.question_id: [error.message]})
    # Answers that no longer apply (a changed earlier answer) are not kept.
    draft["answers"] = form.relevant(answers)
    draft["expires_at"] = now + dt.timedelta(days=settings.draft_days)
    uow.store.save_answers(draft["id"], draft["answers"], now, draft["expires_at"])
    return _triage_view(form, draft)


def submit_triage(uow: Work, settings: HousingSettings, forms: Questionnaires,
                  now: dt.datetime, code: str) -> dict[str, Any]:
    repo = uow.store
    draft = _draft(repo, code, now, lock=True)
    if draft["case_id"] is not None:
        earlier = _case(repo, draft["case_id"])
        assert earlier.id is not None  # a stored case has its id
        return {"created": False, "secret": _case_secret(settings, earlier.id),
                "case": status_view(earlier)}
    form = forms.get(draft["questionnaire_version"])
    answers = form.relevant(draft["answers"])
    today = settings.today(now)
    problems = form.missing(answers) or triage.contradictions(answers, today)
    if problems:
        raise ValidationError(questionnaire.Invalid(problems).fields())
    outcome = triage.assess(answers, today, working_calendar(today), settings.triage)
    result = outcome.to_dict()
    case_id = uuid.uuid4()
    secret = _case_secret(settings, case_id)
    case = {"id": case_id, "secret_sha256": references.code_sha256(secret),
            "draft_id": draft["id"], "route": answers.get("route", "self"),
            "questionnaire_version": form.version, "answers": answers, "outcome": result,
            "urgency": outcome.urgency, "urgency_rank": triage.urgency_rank(outcome.urgency),
            "duty": outcome.duty, "priority_need": list(outcome.priority_need),
            "respond_by": outcome.respond_by, "triaged_at": now}
    for _ in range(REFERENCE_ATTEMPTS):
        case["reference"] = references.new_reference(cases.REFERENCE_PREFIX)
        if repo.insert_case(case):
            break
    else:
        raise RuntimeError("could not allocate a free case reference")
    repo.schedule_clocks(case_id, clocks.schedule(outcome, now, settings.clocks))
    repo.mark_draft_submitted(draft["id"], case_id, now)
    uow.publish("CaseTriaged", {
        "case_id": str(case_id), "reference": case["reference"], "route": case["route"],
        "urgency": outcome.urgency, "duty": outcome.duty,
        "priority_need": list(outcome.priority_need),
        "respond_by": outcome.respond_by.isoformat(),
        "duty_ends_on": wire_value(outcome.duty_ends_on),
        "appointment_type": outcome.appointment_type,
        "questionnaire_version": form.version, "triaged_at": now.isoformat(),
    }, occurred_at=now)
    return {"created": True, "secret": secret, "case": status_view(Case.from_row(case))}


def _case_secret(settings: HousingSettings, case_id: uuid.UUID) -> str:
    return references.keyed_code(settings.secret_key, b"case:", case_id)

# -- what the person sees -----------------------------------------------------------


def status_view(case: Case) -> dict[str, Any]:
    outcome = case.outcome
    assert outcome is not None  # every stored case has its triage outcome
    return {
        "reference": case.reference, "status": case.shown_status,
        "triaged_at": wire_value(case.triaged_at), "urgency": outcome["urgency"],
        "duty": outcome["duty"], "priority_need": list(outcome["priority_need"]),
        "reason_to_believe": outcome["reason_to_believe"],
        "key_dates": {"notice_expires_on": outcome.get("notice_expires_on"),
                      "duty_ends_on": outcome.get("duty_ends_on"),
                      "respond_by": outcome["respond_by"]},
        "next_step": outcome["next_step"], "reasons": outcome["reasons"],
        "appointment_type": outcome.get("appointment_type"),
        "closed_outcome": case.closed_outcome,
    }


def case_status(repo: Store, reference: str, secret: str) -> dict[str, Any]:
    normalised = references.normalise(reference)
    case = Case.from_row(repo.case_by_reference(normalised) if normalised else None)
    if not references.code_matches(secret, case.secret_sha256 if case else None):
        raise CaseNotFound("We could not find a case with that reference and code. "
                           "Check both and try again.")
    return status_view(case)

# -- the notification service ----------------------------------------------------


def notification_facts(repo: Store, settings: HousingSettings,
                       case_id: uuid.UUID) -> dict[str, Any]:
    """The facts a message about this case needs, for the notification
    service to fetch when the event arrives (events carry only ids): no notes and no
    other answers."""
    case = _case(repo, case_id)
    assert case.outcome is not None  # every stored case has its triage outcome
    next_step = case.outcome["next_step"]
    return {"contact": case.contact(), "reference": case.reference,
            "urgency": case.urgency, "respond_by": wire_value(case.respond_by),
            "next_step_title": next_step.get("title"), "next_step_text": next_step.get("text"),
            "phone": next_step.get("phone") or settings.triage.emergency_phone,
            "links": [links.link(links.CASE_STATUS, case.reference)]}

# -- caseworkers -------------------------------------------------------------------


def queue_item(case: Case, now: dt.datetime) -> dict[str, Any]:
    """A case as the queue lists it; `overdue` on the council's day of `now`."""
    return {"case_id": str(case.id), "reference": case.reference,
            "urgency": case.urgency, "duty": case.duty,
            "priority_need": list(case.priority_need),
            "respond_by": wire_value(case.respond_by), "triaged_at": wire_value(case.triaged_at),
            "status": case.shown_status, "assigned_to": case.assigned_to,
            "escalations": list(case.escalations), "route": case.route,
            "overdue": case.is_overdue(local_today(now))}


QUEUE_COUNT_CAP = 1000


def list_queue(uow: Work, now: dt.datetime, staff_id: str, role: str,
               urgency: str | None = None, duty: str | None = None, status: str = "open",
               limit: int = 50, offset: int = 0) -> dict[str, Any]:
    rank = triage.urgency_rank(urgency) if urgency else None
    rows, total = uow.store.queue(staff_id, rank, duty, status, limit, offset,
                                  QUEUE_COUNT_CAP)
    uow.store.audit(staff_id, role, None, "list_queue", None, now)
    # Past the cap the page says "more than 1,000": filters narrow it down.
    return {"cases": [queue_item(Case.from_row(r), now) for r in rows],
            "total": min(total, QUEUE_COUNT_CAP), "more_than_total": total > QUEUE_COUNT_CAP}


def _case(repo: Store, case_id: uuid.UUID, lock: bool = False) -> Case:
    case = Case.from_row(repo.case_by_id(case_id, lock))
    if case is None:
        raise CaseNotFound("There is no case with that id.")
    return case


def get_case(uow: Work, forms: Questionnaires, now: dt.datetime, staff_id: str, role: str,
             case_id: uuid.UUID, reason: str | None = None) -> dict[str, Any]:
    repo = uow.store
    case = _case(repo, case_id)
    repo.audit(staff_id, role, case_id, "view_case", reason, now)
    answers = []
    if case.answers is not None:
        assert case.questionnaire_version is not None  # stored with every case
        form = forms.get(case.questionnaire_version)
        answers = [{"question_id": q.id, "summary": q.summary,
                    "value": case.answers.get(q.id)}
                   for q in form.asked(case.answers) if q.id in case.answers]
    return {**queue_item(case, now),
            "questionnaire_version": case.questionnaire_version,
            "answers": answers, "anonymised": case.is_anonymised,
            "outcome": status_view(case),
            "notes": [_plain(n) for n in repo.notes(case_id)],
            "plan": [_plain(s) for s in repo.plan(case_id)],
            "clocks": [_plain(c) for c in repo.clocks_of(case_id)],
            "closed_outcome": case.closed_outcome, "closed_at": wire_value(case.closed_at)}


def assign_case(uow: Work, now: dt.datetime, staff_id: str, role: str, case_id: uuid.UUID,
                take_over: bool = False) -> dict[str, Any]:
    repo = uow.store
    case = _case(repo, case_id, lock=True)
    change = decided(case.assign(staff_id, take_over))
    if change.changed:
        repo.assign(case_id, staff_id, now)
        # Nobody waits unassigned any more: those clocks can never fire.
        repo.cancel_clocks(case_id, now, ["respond_by_passed", "emergency_unassigned"])
        repo.audit(staff_id, role, case_id,
                   "take_over" if change.previous else "assign", None, now)
        uow.publish("CaseAssigned", {
            "case_id": str(case_id), "reference": case.reference,
            "caseworker_id": staff_id, "previous_caseworker_id": change.previous,
            "assigned_at": now.isoformat()}, occurred_at=now)
    return queue_item(_case(repo, case_id), now)


def add_note(uow: Work, now: dt.datetime, staff_id: str, role: str, case_id: uuid.UUID,
             text: str) -> dict[str, Any]:
    repo = uow.store
    decided(_case(repo, case_id).note_refused())
    note = repo.add_note(case_id, staff_id, text, now)
    repo.audit(staff_id, role, case_id, "add_note", None, now)
    return _plain(note)


def add_plan_step(uow: Work, now: dt.datetime, staff_id: str, role: str, case_id: uuid.UUID,
                  party: str, text: str, due_on: dt.date | None = None) -> dict[str, Any]:
    repo = uow.store
    decided(_case(repo, case_id).plan_step_refused())
    step = repo.add_plan_step(case_id, party, text, due_on, staff_id, now)
    repo.audit(staff_id, role, case_id, "add_plan_step", None, now)
    return _plain(step)


def complete_plan_step(uow: Work, now: dt.datetime, staff_id: str, role: str,
                       case_id: uuid.UUID, step_id: int) -> dict[str, Any]:
    repo = uow.store
    _case(repo, case_id)
    step = repo.complete_plan_step(case_id, step_id, now)
    if step is None:
        raise StepNotFound("This case has no plan step with that id.")
    repo.audit(staff_id, role, case_id, "complete_plan_step", None, now)
    return _plain(step)


def close_case(uow: Work, now: dt.datetime, staff_id: str, role: str, case_id: uuid.UUID,
               outcome: str, note: str | None = None) -> dict[str, Any]:
    repo = uow.store
    case = _case(repo, case_id, lock=True)
    refused = case.close_refused(outcome)
    if refused is not None and refused.code == "unknown_outcome":
        raise ValidationError({"outcome": [refused.reason]})
    decided(refused)
    repo.close(case_id, outcome, now)
    repo.cancel_clocks(case_id, now)
    if note:
        repo.add_note(case_id, staff_id, note, now)
    repo.audit(staff_id, role, case_id, "close", None, now)
    uow.publish("CaseClosed", {
        "case_id": str(case_id), "reference": case.reference, "outcome": outcome,
        "duty": case.duty, "closed_by": staff_id, "closed_at": now.isoformat()},
        occurred_at=now)
    return queue_item(_case(repo, case_id), now)


def read_audit(uow: Work, now: dt.datetime, staff_id: str, role: str,
               case_id: uuid.UUID | None = None, limit: int = 100) -> dict[str, Any]:
    if role != SUPERVISOR:
        raise AuditForbidden("Only supervisors can read the audit log.")
    repo = uow.store
    entries = repo.audit_entries(case_id, limit)
    repo.audit(staff_id, role, case_id, "read_audit", None, now)
    return {"entries": [_plain(e) for e in entries]}

# -- scheduled work ----------------------------------------------------------------


def fire_due_clocks(uow: Work, now: dt.datetime, limit: int = CLOCK_BATCH) -> int:
    """Each due clock fires once (CaseEscalated) or, if it no longer
    applies, is cancelled. Row locks keep two instances off the same clock."""
    repo = uow.store
    fired = 0
    for due in repo.due_clocks(now, limit):
        if clocks.should_fire(due["kind"], due["status"], due["assigned_to"]):
            uow.publish("CaseEscalated", {
                "case_id": str(due["case_id"]), "reference": due["reference"],
                "clock": due["kind"], "due_at": due["due_at"].isoformat(),
                "escalate_to": clocks.escalate_to(due["kind"], due["assigned_to"]),
                "caseworker_id": due["assigned_to"], "urgency": due["urgency"]},
                occurred_at=now)
            repo.mark_clock(due["case_id"], due["kind"], now, fired=True)
            fired += 1
        else:
            repo.mark_clock(due["case_id"], due["kind"], now, fired=False)
    return fired


def _outcome_codes(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """An outcome without its words: the reasons and next step repeat what
    the person said, so an anonymised case keeps their codes only."""
    return {"urgency": outcome["urgency"], "duty": outcome["duty"],
            "priority_need": list(outcome["priority_need"]),
            "reason_to_believe": outcome["reason_to_believe"],
            "respond_by": outcome["respond_by"], "notice_expires_on": None,
            "duty_ends_on": outcome.get("duty_ends_on"),
            "appointment_type": outcome.get("appointment_type"),
            "next_step": {"code": outcome["next_step"]["code"], "title": "", "text": "",
                          "within_working_days": None, "phone": None, "links": []},
            "reasons": [{"code": r["code"], "text": ""} for r in outcome["reasons"]]}


def anonymise_closed_cases(uow: Work, settings: HousingSettings, now: dt.datetime,
                           limit: int = ANONYMISE_BATCH) -> int:
    repo = uow.store
    closed_before = now - dt.timedelta(days=settings.retention_days)
    done = 0
    for case in repo.cases_to_anonymise(closed_before, limit):
        repo.anonymise(case["id"],
                       cases.retained_for_statistics(case["answers"] or {}, case["outcome"]),
                       _outcome_codes(case["outcome"]), now)
        done += 1
    repo.delete_expired_drafts(now)
    return done
