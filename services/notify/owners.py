"""Asking the service that keeps a person's contact details what a message
should say, with a deadline.

nameko 2.14's RPC proxy waits for ever; a handler waiting on a service that
is down would hold its worker and its message. Here a call that does not
answer in time raises OwnerUnavailable, so the event is retried later with
the usual backoff, and the request itself expires in the broker.

Each answer is checked against the schema its owner publishes in its
contract: an answer that breaks it parks the event, since asking again
would get the same answer.
"""
from nameko.exceptions import RemoteError, UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener

from services.bins.contract import NotificationFacts as BinsFacts
from services.bookings.contract import NotificationFacts as BookingsFacts
from services.housing.contract import NotificationFacts as HousingFacts
from services.kit import rpc
from services.kit.messaging import Permanent
from services.kit.schemas import instance

REPLIES = {"bins": BinsFacts, "housing": HousingFacts, "bookings": BookingsFacts}


class OwnerUnavailable(Exception):
    """The owner did not answer in time: try the event again later."""


class SubjectGone(Exception):
    """The owner no longer has the record (deleted, or never there)."""


class FactsRefused(Permanent):
    """The owner's answer does not match its contract: parked for an operator
    to replay once the owner is fixed."""


class Owners:
    def __init__(self, worker_ctx, reply_listener, timeout):
        self.worker_ctx = worker_ctx
        self.reply_listener = reply_listener
        self.timeout = timeout

    def facts(self, lookup, data):
        """`lookup.service`.notification_facts for the event's subject."""
        service = lookup.service
        try:
            facts = rpc.call(self.worker_ctx, self.reply_listener, self.timeout, service,
                             "notification_facts", str(data[lookup.id_field]),
                             **dict(lookup.kwargs))
        except rpc.CallTimedOut as exc:
            raise OwnerUnavailable(str(exc))
        except UnknownService:
            raise OwnerUnavailable(f"{service} is not running")
        except RemoteError as exc:
            if (exc.exc_type or "").endswith("NotFound"):
                raise SubjectGone(f"{service} has no such record")
            raise
        errors = instance(REPLIES[service]).validate(facts)
        if errors:
            # Field names only: the values may be a person's contact details.
            raise FactsRefused(f"{service}.notification_facts broke its contract: "
                               f"{', '.join(sorted(errors))}")
        return facts


class OwnerRpc(DependencyProvider):
    rpc_reply_listener = ReplyListener()

    def __init__(self, timeout_key="OWNER_TIMEOUT_SECONDS", default=5.0):
        self.timeout_key = timeout_key
        self.default = default

    def setup(self):
        self.timeout = float(self.container.config.get(self.timeout_key) or self.default)

    def get_dependency(self, worker_ctx):
        return Owners(worker_ctx, self.rpc_reply_listener, self.timeout)
