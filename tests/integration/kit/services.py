"""Two small services that exercise the kit the way real services do: a
ledger that records entries and announces them through its outbox, and a
tally that consumes those announcements through the inbox."""
import threading
import time

from marshmallow import Schema, fields
from nameko.rpc import rpc

from services.kit import base
from services.kit.envelope import EventCatalogue, EventContract
from services.kit.inbox import idempotent
from services.kit.messaging import Permanent, event_handler
from services.kit.providers import DatabaseProvider


class EntryRecordedSchema(Schema):
    entry_id = fields.Integer(required=True)
    amount = fields.Integer(required=True)


ENTRY_RECORDED = EventContract("EntryRecorded", EntryRecordedSchema)
LEDGER_EVENTS = EventCatalogue("ledger", ENTRY_RECORDED)


class DomainRuleBroken(Exception):
    pass


class Ledger(base.ServiceBase):
    name = "ledger"
    db = DatabaseProvider(LEDGER_EVENTS)

    @rpc
    def record(self, amount, fail_after_publish=False):
        with self.db.transaction() as uow:
            uow.cursor.execute(
                "INSERT INTO entries (amount) VALUES (%s) RETURNING id", (amount,))
            entry_id = uow.cursor.fetchone()["id"]
            uow.publish("EntryRecorded", {"entry_id": entry_id, "amount": amount})
            if fail_after_publish:
                raise DomainRuleBroken("the change is refused after the event was added")
        return entry_id


class Tally(base.ServiceBase):
    name = "tally"
    db = DatabaseProvider(EventCatalogue("tally"))

    @event_handler("ledger", "EntryRecorded", contract=ENTRY_RECORDED)
    @idempotent
    def on_entry(self, event, uow):
        uow.cursor.execute(
            "INSERT INTO tallied (event_id, amount, correlation_id) VALUES (%s, %s, %s)",
            (event.event_id, event.data["amount"], event.correlation_id))


class Attempts:
    """Shared with the test: when each delivery of a failing event arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = []
        self.succeed = False
        self.permanent = False

    def add(self):
        with self.lock:
            self.times.append(time.monotonic())
            return len(self.times)


ATTEMPTS = Attempts()


class Flaky:
    name = "flaky"

    @event_handler("ledger", "EntryRecorded", contract=ENTRY_RECORDED)
    def on_entry(self, event):
        ATTEMPTS.add()
        if ATTEMPTS.permanent:
            raise Permanent("this event can never be handled")
        if not ATTEMPTS.succeed:
            raise RuntimeError("downstream system unavailable")
