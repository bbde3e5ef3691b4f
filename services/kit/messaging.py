"""Event handlers that retry with growing delays, then park the message.

nameko acks a message after its handler returns and, when the handler raises,
either drops it (the default) or requeues it at once, forever. Here a failed
message is instead republished to a delay queue for its attempt; when the
delay is up RabbitMQ dead-letters it straight back onto the handler's queue.
After the last attempt it is parked in `townhall.parked` with its error, for
an operator to list, replay or discard (see services.kit.dlq). The original
is acked only after the retry or parked copy is confirmed by the broker, so
nothing is lost in between.
"""
import datetime as dt
import logging
import traceback

import kombu
from marshmallow import ValidationError
from nameko.events import EventHandler

from services.kit import envelope, topology

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-townhall-attempt"
DEFAULT_DELAYS = (2, 6, 18, 36)  # seconds: 5 attempts over about a minute


class Permanent(Exception):
    """Raise from a handler when retrying cannot help: the message is parked."""


class ReliableEventHandler(EventHandler):
    """`@event_handler(source, event_type)` with validation, retry and parking.

    The handler method receives a validated `services.kit.envelope.Event`.
    Retry delays come from the `EVENT_RETRY_DELAYS` config list (seconds).
    """

    def __init__(self, source_service, event_type, contract=None, **kwargs):
        kwargs["requeue_on_error"] = False
        super().__init__(source_service, event_type, **kwargs)
        self.contract = contract

    def setup(self):
        super().setup()
        self.delays = tuple(self.container.config.get(
            "EVENT_RETRY_DELAYS", DEFAULT_DELAYS))

    def unpack_message_headers(self, message):
        # Only nameko's own headers become context data: broker headers such
        # as x-death must not be forwarded onto every later call and event.
        prefix = self.header_prefix + "."
        return {k[len(prefix):]: v for k, v in (message.headers or {}).items()
                if k.startswith(prefix)}

    def handle_message(self, body, message):
        try:
            event = envelope.parse(body, self.contract)
        except ValidationError as exc:
            self._give_up(message, body, f"invalid event: {exc.messages}", attempt=1)
            return
        context_data = self.unpack_message_headers(message)
        context_data.setdefault("correlation_id", event.correlation_id)

        def handle_result(worker_ctx, result=None, exc_info=None):
            self._settle(message, body, exc_info)
            return result, exc_info

        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=context_data,
                handle_result=handle_result)
        except Exception:  # container being killed: let another instance take it
            self.queue_consumer.requeue_message(message)

    def _settle(self, message, body, exc_info):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            log.info("event handled", extra={"queue": self.queue.name,
                                             "event_id": _event_id(body),
                                             "event_type": self.event_type})
            return
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 1))
        error = "".join(traceback.format_exception_only(*exc_info[:2])).strip()
        try:
            if issubclass(exc_info[0], Permanent) or attempt > len(self.delays):
                self._give_up(message, body, error, attempt)
            else:
                self._retry(message, body, attempt, error)
        except Exception:
            # Broker trouble while rescheduling: put it back rather than lose it.
            log.exception("could not reschedule a failed message; requeueing")
            self.queue_consumer.requeue_message(message)

    def _headers(self, message, **extra):
        # The broker's own x-death bookkeeping would only grow with each lap.
        headers = {k: v for k, v in (message.headers or {}).items()
                   if not k.startswith(("x-death", "x-first-death", "x-last-death"))}
        headers.update(extra)
        return headers

    def _retry(self, message, body, attempt, error):
        delay = self.delays[attempt - 1]
        queue_name = self.queue.name
        with self._connection() as conn:
            delay_queue = topology.declare_delay_queue(conn, queue_name, delay)
            self._publish(conn, body, message, routing_key=delay_queue,
                          headers=self._headers(message, **{ATTEMPT_HEADER: attempt + 1}))
        log.warning("event handler failed; retry %d in %ss", attempt, delay,
                    extra={"queue": queue_name, "error": error,
                           "event_id": _event_id(body)})
        self.queue_consumer.ack_message(message)

    def _give_up(self, message, body, error, attempt):
        with self._connection() as conn:
            topology.declare_parking(conn)
            self._publish(conn, body, message, routing_key=topology.PARKED_QUEUE,
                          headers=self._headers(
                              message,
                              **{"x-original-queue": self.queue.name,
                                 "x-error": error[-2000:],
                                 "x-attempts": attempt,
                                 "x-parked-at": dt.datetime.now(dt.timezone.utc).isoformat()}))
        log.error("event parked after %d attempt(s)", attempt,
                  extra={"queue": self.queue.name, "error": error,
                         "event_id": _event_id(body)})
        self.queue_consumer.ack_message(message)

    def _connection(self):
        return kombu.Connection(
            self.container.config["AMQP_URI"], connect_timeout=5,
            transport_options={"confirm_publish": True})

    def _publish(self, conn, body, message, routing_key, headers):
        producer = kombu.Producer(conn.channel())
        producer.publish(
            body, exchange="", routing_key=routing_key, headers=headers,
            serializer="json", delivery_mode=2,
            message_id=message.properties.get("message_id"), retry=False)


def _event_id(body):
    return body.get("event_id") if isinstance(body, dict) else None


event_handler = ReliableEventHandler.decorator

__all__ = ["event_handler", "Permanent", "ReliableEventHandler"]
