"""Missed bin collections: bin days, reports, crews.

nameko entrypoints only: parse, call the use case in app.py, return.
"""
import datetime as dt

from services.bins import app, schemas, store
from services.bins.contract import CATALOGUE
from services.bins.settings import BinsSettings
from services.kit import base
from services.kit.providers import (Clock, DatabaseProvider, IdempotencyKey,
                                    SettingsProvider, config_timer, rpc)
from services.council.workdays import working_calendar


def _load_bank_holidays(settings):
    """Loads the bank holidays at start (the package takes a tenth of a
    second to import), not in the first resident's request."""
    working_calendar(dt.date.today())


class BinsService(base.ServiceBase):
    name = "bins"

    db = DatabaseProvider(CATALOGUE, store)
    settings = SettingsProvider(BinsSettings, warm_up=_load_bank_holidays)
    clock = Clock()
    idempotency_key = IdempotencyKey()

    # -- residents ---------------------------------------------------------------
    @rpc
    def find_addresses(self, postcode):
        args = schemas.load(schemas.FindAddresses, postcode=postcode)
        with self.db.reading() as repo:
            return app.find_addresses(repo, args["postcode"])

    @rpc
    def bin_days(self, uprn, today=None):
        args = schemas.load(schemas.BinDays, uprn=uprn, today=today)
        with self.db.reading() as repo:
            return app.bin_days(repo, self.settings, self.clock(), **args)

    @rpc
    def calendar(self, uprn, weeks=52):
        args = schemas.load(schemas.CalendarFeed, uprn=uprn, weeks=weeks)
        with self.db.reading() as repo:
            return app.calendar(repo, self.settings, self.clock(), **args)

    @rpc
    def file_report(self, uprn, service, collection_date=None, idempotency_key=None,
                    channel="api", email=None, phone=None, preferred=None):
        args = schemas.load(schemas.FileReport, uprn=uprn, service=service,
                            collection_date=collection_date, idempotency_key=idempotency_key,
                            channel=channel, email=email, phone=phone, preferred=preferred)
        # The gateway's key is scoped to the client, so it wins over an argument.
        args["idempotency_key"] = self.idempotency_key or args["idempotency_key"]
        with self.db.transaction(single_statement=True) as uow:
            return app.file_report(uow, self.settings, self.clock(), **args)

    @rpc
    def report_status(self, reference, secret):
        args = schemas.load(schemas.ReportStatus, reference=reference, secret=secret)
        with self.db.reading() as repo:
            return app.report_status(repo, self.settings, **args)

    @rpc
    def notification_facts(self, report_id):
        """What the notification service may say about a report, and where
        to send it: the resident's own contact details, read when the event arrives."""
        args = schemas.load(schemas.NotificationFacts, report_id=report_id)
        with self.db.reading() as repo:
            return app.notification_facts(repo, self.settings, **args)

    # -- crews -------------------------------------------------------------------------
    @rpc
    def complete_round(self, crew_id, round_id, day, completed_at=None, supervisor=False):
        args = schemas.load(schemas.CompleteRound, crew_id=crew_id, round_id=round_id,
                            day=day, completed_at=completed_at, supervisor=supervisor)
        with self.db.transaction() as uow:
            return app.complete_round(uow, self.settings, self.clock(), **args)

    @rpc
    def record_exception(self, crew_id, round_id, uprn, day, kind, note=None,
                         supervisor=False):
        args = schemas.load(schemas.RecordException, crew_id=crew_id, round_id=round_id,
                            uprn=uprn, day=day, kind=kind, note=note, supervisor=supervisor)
        with self.db.transaction() as uow:
            return app.record_exception(uow, self.settings, self.clock(), **args)

    @rpc
    def list_open_reports(self, crew_id, day=None, supervisor=False):
        args = schemas.load(schemas.ListOpenReports, crew_id=crew_id, day=day,
                            supervisor=supervisor)
        with self.db.reading() as repo:
            return app.list_open_reports(repo, self.clock(), **args)

    @rpc
    def resolve_report(self, crew_id, report_id, outcome, reason=None, supervisor=False):
        args = schemas.load(schemas.ResolveReport, crew_id=crew_id, report_id=report_id,
                            outcome=outcome, reason=reason, supervisor=supervisor)
        with self.db.transaction() as uow:
            return app.resolve_report(uow, self.settings, self.clock(), **args)

    @config_timer("OVERDUE_SWEEP_SECONDS", 60.0)
    def announce_overdue_reports(self):
        """Announces each report past its return-visit deadline, once."""
        with self.db.transaction() as uow:
            return app.announce_overdue(uow, self.clock())

    # -- Open311 ----------------------------------------------------------------------
    @rpc
    def open311_services(self):
        return app.open311_services()

    @rpc
    def open311_requests(self, filters=None):
        args = schemas.load(schemas.Open311Requests, **(filters or {}))
        with self.db.reading() as repo:
            return app.open311_requests(repo, self.settings, self.clock(), **args)

    @rpc
    def get_report_public(self, report_id):
        args = schemas.load(schemas.PublicReport, report_id=report_id)
        with self.db.reading() as repo:
            return app.report_public(repo, self.settings, self.clock(), args["report_id"])


SERVICE = BinsService
