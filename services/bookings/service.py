"""Office appointments with real capacity, holds, changes, the waiting list
and reminders; and what each triaged housing case may book.

nameko entrypoints only: parse, call the use case in app.py, return.
"""
from services.bookings import app, errors, schemas, store
from services.bookings.contract import CATALOGUE
from services.bookings.settings import BookingsSettings
from services.housing.contract import CATALOGUE as HOUSING_EVENTS
from services.kit import base
from services.kit.inbox import idempotent
from services.kit.messaging import event_handler
from services.kit.providers import (Clock, DatabaseProvider, IdempotencyKey,
                                    SettingsProvider, config_timer, rpc)


class BookingsService(base.ServiceBase):
    name = "bookings"
    rule_error = staticmethod(errors.remote)

    db = DatabaseProvider(CATALOGUE, store)
    settings = SettingsProvider(BookingsSettings)
    clock = Clock()
    idempotency_key = IdempotencyKey()

    # -- residents (and staff on their behalf) ----------------------------------------
    @rpc
    def search(self, type_id, first_day, last_day, office_id=None, step_free=False,
               case_reference=None):
        """Free slots. `case_reference`: a case the caller has verified the
        person holds (the gateway checks its secret with housing)."""
        args = schemas.load(schemas.Search, type_id=type_id, first_day=first_day,
                            last_day=last_day, office_id=office_id, step_free=step_free,
                            case_reference=case_reference)
        with self.db.reading() as repo:
            return app.search(repo, self.settings, self.clock(), **args)

    @rpc
    def hold(self, office_id, type_id, start, case_reference=None, step_free=False,
             booked_by="resident", idempotency_key=None):
        args = schemas.load(schemas.Hold, office_id=office_id, type_id=type_id, start=start,
                            case_reference=case_reference, step_free=step_free,
                            booked_by=booked_by, idempotency_key=idempotency_key)
        args["idempotency_key"] = self.idempotency_key or args["idempotency_key"]
        with self.db.transaction() as uow:
            return app.hold(uow, self.settings, self.clock(), **args)

    @rpc
    def confirm(self, reference, secret=None, name=None, email=None, phone=None,
                step_free=False, interpreter=None, staff_id=None):
        args = schemas.load(schemas.Confirm, reference=reference, secret=secret, name=name,
                            email=email, phone=phone, step_free=step_free,
                            interpreter=interpreter, staff_id=staff_id)
        with self.db.transaction() as uow:
            return app.confirm(uow, self.settings, self.clock(), **args)

    @rpc
    def get_booking(self, reference, secret):
        args = schemas.load(schemas.Mine, reference=reference, secret=secret)
        with self.db.reading() as repo:
            return app.get_booking(repo, self.settings, self.clock(), args["reference"],
                                   args["secret"])

    @rpc
    def cancel(self, reference, secret=None, staff_id=None):
        args = schemas.load(schemas.Mine, reference=reference, secret=secret,
                            staff_id=staff_id)
        with self.db.transaction() as uow:
            return app.cancel(uow, self.settings, self.clock(), **args)

    @rpc
    def reschedule(self, reference, office_id, start, secret=None, staff_id=None):
        args = schemas.load(schemas.Reschedule, reference=reference, office_id=office_id,
                            start=start, secret=secret, staff_id=staff_id)
        with self.db.transaction() as uow:
            return app.reschedule(uow, self.settings, self.clock(), **args)

    @rpc
    def calendar(self, reference, secret):
        args = schemas.load(schemas.Mine, reference=reference, secret=secret)
        with self.db.reading() as repo:
            return app.calendar(repo, self.settings, args["reference"], args["secret"])

    @rpc
    def waitlist_offer(self, waitlist_id, code):
        args = schemas.load(schemas.WaitlistOffer, waitlist_id=waitlist_id, code=code)
        with self.db.reading() as repo:
            return app.waitlist_offer(repo, self.settings, self.clock(), **args)

    @rpc
    def join_waitlist(self, type_id, case_reference=None, office_id=None, step_free=False):
        args = schemas.load(schemas.JoinWaitlist, type_id=type_id,
                            case_reference=case_reference, office_id=office_id,
                            step_free=step_free)
        with self.db.transaction() as uow:
            return app.join_waitlist(uow, self.settings, self.clock(), **args)

    # -- other services -----------------------------------------------------------------
    @rpc
    def notification_facts(self, booking_id, with_calendar=False):
        """What the notification service may say about a booking, and where
        to send it: the person's own contact details, read when the event arrives;
        `with_calendar` adds the booking's calendar file."""
        args = schemas.load(schemas.NotificationFacts, booking_id=booking_id,
                            with_calendar=with_calendar)
        with self.db.reading() as repo:
            return app.notification_facts(repo, self.settings, **args)

    # -- staff and supervisors --------------------------------------------------------
    @rpc
    def office_day(self, office_id, day):
        args = schemas.load(schemas.OfficeDay, office_id=office_id, day=day)
        with self.db.reading() as repo:
            return app.office_day(repo, self.settings, **args)

    @rpc
    def setup(self):
        with self.db.reading() as repo:
            return app.setup_view(repo)

    @rpc
    def save_office(self, office):
        with self.db.transaction() as uow:
            app.save_office(uow, schemas.load(schemas.Office, **office))

    @rpc
    def save_appointment_type(self, appointment_type):
        with self.db.transaction() as uow:
            app.save_appointment_type(uow, schemas.load(schemas.AppointmentType,
                                                        **appointment_type))

    @rpc
    def save_adviser(self, adviser):
        args = schemas.load(schemas.Adviser, **adviser)
        with self.db.transaction() as uow:
            app.save_adviser(uow, args)

    # -- events and scheduled work --------------------------------------------------
    @event_handler("housing", "CaseTriaged", contract=HOUSING_EVENTS.contract("CaseTriaged"))
    @idempotent
    def on_case_triaged(self, event, uow):
        """Records what the case may book; housing keeps everything else."""
        app.record_case(uow, self.settings, event.data)

    @config_timer("HOLD_SWEEP_SECONDS", 15.0)
    def expire_holds(self):
        """Lapsed holds give their places back, one slot per transaction."""
        now = self.clock()
        with self.db.reading() as repo:
            slot_ids = app.slots_with_lapsed_holds(repo, now)
        freed = 0
        for slot_id in slot_ids:
            with self.db.transaction() as uow:
                freed += app.expire_holds_in_slot(uow, self.settings, now, slot_id)
        return freed

    @config_timer("REMINDER_SWEEP_SECONDS", 60.0)
    def send_reminders(self):
        with self.db.transaction() as uow:
            return app.send_reminders(uow, self.clock())


SERVICE = BookingsService
