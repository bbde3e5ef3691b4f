"""Event handlers that retry with growing delays, then park the message.

nameko acks a message after its handler returns and, when the handler raises,
either drops it (the default) or requeues it at once, forever. Here a failed
message is instead republished to a delay queue for its attempt; when the
delay is up RabbitMQ dead-letters it straight back onto the handler's queue.
After the last attempt it is parked in `townhall.parked` with its error, for
an operator to list, replay or discard (see services.kit.dlq). The original
is acked only after the retry or parked copy is confirmed by the broker, so
nothing is lost in between. Copies carry the original bytes untouched.
"""
import datetime as dt
import logging
import traceback
import uuid

import kombu
import kombu.pools
from marshmallow import ValidationError
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer

from services.kit import envelope, topology

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-townhall-attempt"
PARKED_ID_HEADER = "x-parked-id"
DEFAULT_DELAYS = (2, 6, 18, 36)  # seconds: 5 attempts over about a minute


class Permanent(Exception):
    """Raise from a handler when retrying cannot help: the message is parked."""


def attempt_of(message):
    try:
        return max(1, int((message.headers or {}).get(ATTEMPT_HEADER, 1)))
    except (TypeError, ValueError):
        return 1  # a mangled header must not stop the handler for good


class ParkingQueueConsumer(QueueConsumer):
    """nameko's consumer, except that:

    - a body that cannot be decoded is parked by its handler instead of being
      logged in full and acked (kombu's default), which would both lose it
      and write its content to the logs;
    - an ack or requeue that finds the connection gone is let go: the broker
      redelivers the message and the inbox makes the repeat harmless. nameko
      only lets AMQP-level errors go, so a socket reset while the broker
      restarts would kill the whole container.
    """

    def ack_message(self, message):
        try:
            super().ack_message(message)
        except OSError as exc:
            log.info("could not ack (%s); the broker will redeliver", exc)

    def requeue_message(self, message):
        try:
            super().requeue_message(message)
        except OSError as exc:
            log.info("could not requeue (%s); the broker will redeliver", exc)

    def on_decode_error(self, message, exc):
        tag = (message.delivery_info or {}).get("consumer_tag")
        for provider, consumer in self._consumers.items():
            if tag in consumer._active_tags.values():
                provider.park_undecodable(message, exc)
                return
        log.error("undecodable message on an unknown consumer; requeueing")
        self.requeue_message(message)


class ReliableEventHandler(EventHandler):
    """`@event_handler(source, event_type)` with validation, retry and parking.

    The handler method receives a validated `services.kit.envelope.Event`.
    Retry delays come from the `EVENT_RETRY_DELAYS` config list (seconds).
    """

    queue_consumer = ParkingQueueConsumer()

    def __init__(self, source_service, event_type, contract=None, **kwargs):
        kwargs["requeue_on_error"] = False
        super().__init__(source_service, event_type, **kwargs)
        self.contract = contract

    def setup(self):
        super().setup()
        self.delays = tuple(self.container.config.get(
            "EVENT_RETRY_DELAYS", DEFAULT_DELAYS))
        self.connection = kombu.Connection(
            self.container.config["AMQP_URI"], connect_timeout=5,
            transport_options={"confirm_publish": True})
        # This handler's own pool: kombu's shared ones are keyed by the
        # broker's address, so closing one when a container stops would
        # close it for every other container in the process too.
        workers = self.container.max_workers
        self.producers = kombu.pools.ProducerPool(self.connection.Pool(limit=workers),
                                                  limit=workers)

    def stop(self):
        super().stop()
        self.producers.force_close_all()
        self.producers.connections.force_close_all()

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
            self._settle_by_parking(message, f"invalid event: {exc.messages}", 1, body)
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

    def park_undecodable(self, message, exc):
        self._settle_by_parking(
            message, f"undecodable body ({type(exc).__name__}, "
                     f"content type {message.content_type!r})", 1, None)

    def _settle(self, message, body, exc_info):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            log.info("event handled", extra={"queue": self.queue.name,
                                             "event_id": _event_id(body),
                                             "event_type": self.event_type})
            return
        attempt = attempt_of(message)
        error = "".join(traceback.format_exception_only(*exc_info[:2])).strip()
        if issubclass(exc_info[0], Permanent) or attempt > len(self.delays):
            self._settle_by_parking(message, error, attempt, body)
        else:
            self._settle_by_retrying(message, error, attempt, body)

    def _settle_by_retrying(self, message, error, attempt, body):
        delay = self.delays[attempt - 1]
        try:
            with self.producers.acquire(block=True) as producer:
                delay_queue = topology.declare_delay_queue(
                    producer.connection, self.queue.name, delay)
                self._republish(producer, message, delay_queue, {ATTEMPT_HEADER: attempt + 1})
        except Exception:
            # Broker trouble while rescheduling: put it back rather than lose it.
            log.exception("could not schedule a retry; requeueing")
            self.queue_consumer.requeue_message(message)
            return
        log.warning("event handler failed; retry %d in %ss", attempt, delay,
                    extra={"queue": self.queue.name, "error": error,
                           "event_id": _event_id(body)})
        self.queue_consumer.ack_message(message)

    def _settle_by_parking(self, message, error, attempt, body):
        extra = {PARKED_ID_HEADER: str(uuid.uuid4()),
                 "x-original-queue": self.queue.name,
                 "x-error": error[-2000:],
                 "x-attempts": attempt,
                 "x-parked-at": dt.datetime.now(dt.timezone.utc).isoformat()}
        try:
            with self.producers.acquire(block=True) as producer:
                topology.declare_parking(producer.connection)
                self._republish(producer, message, topology.PARKED_QUEUE, extra)
        except Exception:
            log.exception("could not park a failed message; requeueing")
            self.queue_consumer.requeue_message(message)
            return
        log.error("event parked after %d attempt(s)", attempt,
                  extra={"queue": self.queue.name, "error": error,
                         "event_id": _event_id(body),
                         "parked_id": extra[PARKED_ID_HEADER]})
        self.queue_consumer.ack_message(message)

    @staticmethod
    def _republish(producer, message, routing_key, extra_headers):
        # The broker's own x-death bookkeeping would only grow with each lap.
        headers = {k: v for k, v in (message.headers or {}).items()
                   if not k.startswith(("x-death", "x-first-death", "x-last-death"))}
        headers.update(extra_headers)
        producer.publish(
            message.body, exchange="", routing_key=routing_key, headers=headers,
            content_type=message.content_type,
            content_encoding=message.content_encoding, delivery_mode=2,
            message_id=message.properties.get("message_id"), retry=False)


def _event_id(body):
    return body.get("event_id") if isinstance(body, dict) else None


event_handler = ReliableEventHandler.decorator
