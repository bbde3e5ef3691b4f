"""Homelessness triage, the caseworker queue and the legal clocks.

nameko entrypoints only: parse, call the use case in app.py, return.
"""
from nameko.extensions import DependencyProvider

from services.housing import app, errors, schemas, store
from services.housing.contract import CATALOGUE
from services.housing.settings import HousingSettings
from services.kit import base
from services.kit.providers import (Clock, DatabaseProvider, SettingsProvider, config_timer,
                                    rpc)


class Questionnaires(DependencyProvider):
    """Every questionnaire version on disk (QUESTIONNAIRE_DIR), read at start."""

    def setup(self):
        directory = HousingSettings.from_config(self.container.config).questionnaire_dir
        self.forms = app.Questionnaires(directory)

    def get_dependency(self, worker_ctx):
        return self.forms


class HousingService(base.ServiceBase):
    name = "housing"

    rule_error = staticmethod(errors.remote)

    db = DatabaseProvider(CATALOGUE, store)
    settings = SettingsProvider(HousingSettings)
    forms = Questionnaires()
    clock = Clock()

    # -- the person ---------------------------------------------------------------
    @rpc
    def questionnaire(self, version=None):
        args = schemas.load(schemas.Questionnaire, version=version)
        return app.questionnaire_definition(self.forms, **args)

    @rpc
    def start_triage(self):
        with self.db.transaction() as uow:
            return app.start_triage(uow, self.settings, self.forms, self.clock())

    @rpc
    def get_triage(self, code):
        args = schemas.load(schemas.Triage, code=code)
        with self.db.reading() as repo:
            return app.get_triage(repo, self.forms, self.clock(), **args)

    @rpc
    def answer_triage(self, code, question_id, value):
        args = schemas.load(schemas.AnswerTriage, code=code, question_id=question_id,
                            value=value)
        with self.db.transaction() as uow:
            return app.answer_triage(uow, self.settings, self.forms,
                                     self.clock(), **args)

    @rpc
    def submit_triage(self, code):
        args = schemas.load(schemas.Triage, code=code)
        with self.db.transaction() as uow:
            return app.submit_triage(uow, self.settings, self.forms,
                                     self.clock(), **args)

    @rpc
    def case_status(self, reference, secret):
        args = schemas.load(schemas.CaseStatus, reference=reference, secret=secret)
        with self.db.reading() as repo:
            return app.case_status(repo, **args)

    # -- other services -------------------------------------------------------------
    @rpc
    def notification_facts(self, case_id):
        """What the notification service may say about a case, and where to
        send it: the person's own contact choice, read when the event arrives."""
        args = schemas.load(schemas.NotificationFacts, case_id=case_id)
        with self.db.reading() as repo:
            return app.notification_facts(repo, self.settings, **args)

    # -- caseworkers and supervisors ----------------------------------------------
    # staff_id is the verified token's subject, set by the gateway.
    @rpc
    def list_queue(self, staff_id, role="caseworker", **filters):
        args = schemas.load(schemas.ListQueue, staff_id=staff_id, role=role, **filters)
        with self.db.transaction() as uow:
            return app.list_queue(uow, self.clock(), **args)

    @rpc
    def get_case(self, staff_id, role, case_id, reason=None):
        args = schemas.load(schemas.GetCase, staff_id=staff_id, role=role, case_id=case_id,
                            reason=reason)
        with self.db.transaction() as uow:
            return app.get_case(uow, self.forms, self.clock(), **args)

    @rpc
    def assign_case(self, staff_id, case_id, take_over=False, role="caseworker"):
        args = schemas.load(schemas.AssignCase, staff_id=staff_id, role=role,
                            case_id=case_id, take_over=take_over)
        with self.db.transaction() as uow:
            return app.assign_case(uow, self.clock(), **args)

    @rpc
    def add_note(self, staff_id, case_id, text, role="caseworker"):
        args = schemas.load(schemas.AddNote, staff_id=staff_id, role=role, case_id=case_id,
                            text=text)
        with self.db.transaction() as uow:
            return app.add_note(uow, self.clock(), **args)

    @rpc
    def add_plan_step(self, staff_id, case_id, party, text, due_on=None, role="caseworker"):
        args = schemas.load(schemas.AddPlanStep, staff_id=staff_id, role=role,
                            case_id=case_id, party=party, text=text, due_on=due_on)
        with self.db.transaction() as uow:
            return app.add_plan_step(uow, self.clock(), **args)

    @rpc
    def complete_plan_step(self, staff_id, case_id, step_id, role="caseworker"):
        args = schemas.load(schemas.CompletePlanStep, staff_id=staff_id, role=role,
                            case_id=case_id, step_id=step_id)
        with self.db.transaction() as uow:
            return app.complete_plan_step(uow, self.clock(), **args)

    @rpc
    def close_case(self, staff_id, case_id, outcome, note=None, role="caseworker"):
        args = schemas.load(schemas.CloseCase, staff_id=staff_id, role=role, case_id=case_id,
                            outcome=outcome, note=note)
        with self.db.transaction() as uow:
            return app.close_case(uow, self.clock(), **args)

    @rpc
    def read_audit(self, staff_id, role, case_id=None, limit=100):
        args = schemas.load(schemas.ReadAudit, staff_id=staff_id, role=role,
                            case_id=case_id, limit=limit)
        with self.db.transaction() as uow:
            return app.read_audit(uow, self.clock(), **args)

    # -- scheduled work -------------------------------------------------------------
    @config_timer("CLOCK_SWEEP_SECONDS", 30.0)
    def fire_due_clocks(self):
        """Escalates each legal clock that fell due, once."""
        with self.db.transaction() as uow:
            return app.fire_due_clocks(uow, self.clock())

    @config_timer("ANONYMISE_SWEEP_SECONDS", 3600.0)
    def anonymise_closed_cases(self):
        """Anonymises cases closed longer ago than the retention period."""
        with self.db.transaction() as uow:
            return app.anonymise_closed_cases(uow, self.settings, self.clock())


SERVICE = HousingService
