"""Run an event handler's effect once per event, however often it arrives."""
import functools
import logging

log = logging.getLogger(__name__)


def idempotent(handler):
    """Wraps `handler(self, event, uow)` so that it runs inside one unit of
    work that first claims the event for this consumer.

    The claim and the effect commit together: if the effect fails, the claim
    rolls back with it and a retry may try again; once it has committed, any
    redelivery finds the claim and does nothing. The service must have its
    database dependency at `self.db`.
    """
    consumer_suffix = handler.__name__

    @functools.wraps(handler)
    def wrapper(self, event):
        consumer = f"{self.name}.{consumer_suffix}"
        with self.db.transaction() as uow:
            if not uow.claim(consumer, event.event_id):
                log.info("duplicate event ignored",
                         extra={"consumer": consumer, "event_id": str(event.event_id),
                                "event_type": event.event_type})
                return None
            return handler(self, event, uow)

    return wrapper
