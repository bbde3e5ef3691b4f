"""Telling residents what happened, by email and text message, once.

nameko entrypoints only: parse, call the use case in app.py, return. Each
resident-facing event is handled once (the inbox): the owner of the
person's contact details is asked what to say, the message and timeline
entries are written together, and the message is sent straight after the
commit. A sweep sends what is due again (retries, a crashed sender's work).
"""
import logging

from nameko.extensions import DependencyProvider

from services.bins.contract import CATALOGUE as BINS_EVENTS
from services.bookings.contract import CATALOGUE as BOOKINGS_EVENTS
from services.housing.contract import CATALOGUE as HOUSING_EVENTS
from services.kit import base
from services.kit.messaging import Permanent, event_handler
from services.kit.providers import (Clock, DatabaseProvider, SettingsProvider, config_timer,
                                    rpc)
from services.notify import app, providers, schemas, store
from services.notify.errors import MessageNotFound, TimelineNotFound
from services.notify.domain.templates import MissingPlaceholders, TemplateSet
from services.notify.contract import CATALOGUE
from services.notify.owners import OwnerRpc
from services.notify.settings import NotifySettings

log = logging.getLogger(__name__)


class Parts(DependencyProvider):
    """The templates and the provider for each channel, made once at start:
    a template or provider setting that is wrong stops the service
    starting, rather than losing messages later."""

    def setup(self):
        self.templates = TemplateSet.load()
        self.providers = providers.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self


def _handles(catalogue, event_type):
    return event_handler(catalogue.source, event_type,
                         contract=catalogue.contract(event_type))


class NotifyService(base.ServiceBase):
    name = "notify"

    db = DatabaseProvider(CATALOGUE, store)
    settings = SettingsProvider(NotifySettings)
    parts = Parts()
    owners = OwnerRpc()
    clock = Clock()

    # -- events in: one method per event, all the same work -------------------------
    @_handles(BINS_EVENTS, "ReportFiled")
    def on_report_filed(self, event):
        self._tell(event)

    @_handles(BINS_EVENTS, "ReportResolved")
    def on_report_resolved(self, event):
        self._tell(event)

    @_handles(HOUSING_EVENTS, "CaseTriaged")
    def on_case_triaged(self, event):
        self._tell(event)

    @_handles(HOUSING_EVENTS, "CaseAssigned")
    def on_case_assigned(self, event):
        self._tell(event)

    @_handles(HOUSING_EVENTS, "CaseClosed")
    def on_case_closed(self, event):
        self._tell(event)

    @_handles(BOOKINGS_EVENTS, "SlotBooked")
    def on_slot_booked(self, event):
        self._tell(event)

    @_handles(BOOKINGS_EVENTS, "BookingRescheduled")
    def on_booking_rescheduled(self, event):
        self._tell(event)

    @_handles(BOOKINGS_EVENTS, "BookingCancelled")
    def on_booking_cancelled(self, event):
        self._tell(event)

    @_handles(BOOKINGS_EVENTS, "BookingReminderDue")
    def on_booking_reminder_due(self, event):
        self._tell(event)

    @_handles(BOOKINGS_EVENTS, "WaitlistOfferMade")
    def on_waitlist_offer_made(self, event):
        self._tell(event)

    def _tell(self, event):
        try:
            app.tell(self.db, self.owners, self.settings, self.parts.templates,
                     self.parts.providers, event, self.clock)
        except MissingPlaceholders as missing:
            # A template and its facts disagree: no retry will fix it, so
            # the event is parked for an operator (after a fix, replay).
            raise Permanent(str(missing))

    # -- sending ----------------------------------------------------------------------
    @config_timer("SEND_SWEEP_SECONDS", 1.0)
    def send_due(self):
        return app.send(self.db, self.settings, self.parts.providers, self.clock)

    @config_timer("FORGET_SWEEP_SECONDS", 3600.0)
    def forget_old_addresses(self):
        with self.db.transaction() as uow:
            return app.forget_old(uow, self.settings, self.clock())

    # -- delivery receipts (the gateway checks the provider's token) ------------------
    @rpc
    def record_receipt(self, message_id, status):
        args = schemas.load(schemas.Receipt, message_id=message_id, status=status)
        # A fallback this leads to goes with the next sweep: the provider is
        # not kept waiting on a send.
        with self.db.transaction() as uow:
            ids = app.record_receipt(uow, self.settings, args["message_id"],
                                     args["status"], self.clock())
        return {"known": ids is not None}

    # -- a resident's timeline --------------------------------------------------------
    @rpc
    def send_timeline_link(self, address):
        args = schemas.load(schemas.TimelineLink, address=address)
        # The link goes with the next sweep, not in this call: an answer that
        # came later for a known address would tell who uses our services.
        with self.db.transaction() as uow:
            app.send_timeline_link(uow, self.settings, self.parts.templates,
                                   args["address"], self.clock())
        return {"valid_days": self.settings.timeline_code_days}

    @rpc
    def timeline(self, code):
        args = schemas.load(schemas.TimelineCode, code=code)
        with self.db.reading() as repo:
            entries = app.read_timeline(repo, args["code"], self.clock())
        if entries is None:
            raise TimelineNotFound("That link has expired or is not right. Ask for a new one.")
        return {"entries": entries}

    # -- operators ----------------------------------------------------------------------
    @rpc
    def list_dead(self, limit=100):
        args = schemas.load(schemas.DeadList, limit=limit)
        with self.db.reading() as repo:
            return app.list_dead(repo, args["limit"])

    @rpc
    def replay(self, message_id):
        args = schemas.load(schemas.MessageId, message_id=message_id)
        with self.db.transaction() as uow:
            if not app.replay(uow, args["message_id"], self.clock()):
                raise MessageNotFound("There is no dead message with that id that can "
                                      "still be sent: its address may have been forgotten.")
        return {"replayed": str(args["message_id"])}


SERVICE = NotifyService
