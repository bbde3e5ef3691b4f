"""The broker's shape: what must exist before anything is published.

- Every service's `<name>.events` exchange carries an alternate exchange by
  policy, so an event no queue is bound for lands in `townhall.unrouted`
  instead of vanishing. (A policy, not a declare argument: nameko declares the
  same exchanges without arguments, and RabbitMQ refuses a second declare
  whose arguments differ.)
- Every subscriber queue is declared and bound at deploy time, so events
  published while a subscriber is down wait for it.
- Retry delay queues and the parking queue for failed messages.
"""
import importlib
import logging
import os
import urllib.parse

import kombu
import requests
from nameko.events import BROADCAST, EventHandler

from services.kit.outbox import event_exchange

log = logging.getLogger(__name__)

PARKED_QUEUE = "townhall.parked"
UNROUTED = "townhall.unrouted"
EVENTS_POLICY = "townhall-events"
SERVICES = ("bins", "housing", "bookings", "notify")


def management_url():
    return os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672")


def _channel(conn_or_channel):
    # Declarations reuse the connection's default channel rather than opening
    # one each time: a long-lived pooled connection would collect them.
    if isinstance(conn_or_channel, kombu.Connection):
        return conn_or_channel.default_channel
    return conn_or_channel


def delay_queue_name(queue, delay):
    return f"{queue}.retry-{int(round(delay * 1000))}ms"


def declare_delay_queue(conn, queue, delay):
    # One queue per delay: every message in it has the same TTL, so none
    # waits behind a longer-lived one at the head of the queue.
    name = delay_queue_name(queue, delay)
    kombu.Queue(name, durable=True, queue_arguments={
        "x-message-ttl": int(round(delay * 1000)),
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
    })(_channel(conn)).declare()
    return name


def declare_parking(conn):
    kombu.Queue(PARKED_QUEUE, durable=True)(_channel(conn)).declare()


def declare_unrouted(conn):
    exchange = kombu.Exchange(UNROUTED, type="fanout", durable=True)
    kombu.Queue(UNROUTED, exchange=exchange, routing_key="#", durable=True)(
        _channel(conn)).declare()


def _management(url=None):
    parts = urllib.parse.urlsplit(url or management_url())
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}/api"
    auth = (urllib.parse.unquote(parts.username or "guest"),
            urllib.parse.unquote(parts.password or "guest"))
    return base, auth


def _path(*parts):
    return "/".join(urllib.parse.quote(p, safe="") for p in parts)


def create_vhost(name, url=None):
    """A separate vhost, with the events policy, for a test or benchmark run."""
    base, auth = _management(url)
    requests.put(f"{base}/vhosts/{_path(name)}", auth=auth, timeout=10).raise_for_status()
    requests.put(f"{base}/permissions/{_path(name, auth[0])}", auth=auth, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    apply_policies(url, vhost=name)


def delete_vhost(name, url=None):
    base, auth = _management(url)
    requests.delete(f"{base}/vhosts/{_path(name)}", auth=auth, timeout=10)


def vhost_uri(amqp_uri, vhost):
    parts = urllib.parse.urlsplit(amqp_uri)
    return f"{parts.scheme}://{parts.netloc}/{urllib.parse.quote(vhost, safe='')}"


def apply_policies(url=None, vhost="/"):
    """Sets the alternate-exchange policy through the management API."""
    base, auth = _management(url)
    policy = {
        "pattern": r"^[A-Za-z0-9_-]+\.events$",
        "apply-to": "exchanges",
        "priority": 10,
        "definition": {"alternate-exchange": UNROUTED},
    }
    resp = requests.put(
        f"{base}/policies/{_path(vhost, EVENTS_POLICY)}",
        json=policy, auth=auth, timeout=10)
    if resp.status_code not in (201, 204):
        raise RuntimeError(f"could not set the {EVENTS_POLICY} policy: "
                           f"{resp.status_code} {resp.text[:200]}")


def subscriptions(service_cls):
    """(queue name, source exchange, routing key) for each reliable event
    handler of a service class, named exactly as nameko names them."""
    found = []
    for attr in dir(service_cls):
        method = getattr(service_cls, attr)
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if not isinstance(entrypoint, EventHandler):
                continue
            if entrypoint.handler_type is BROADCAST:
                continue  # per-instance queues cannot be declared ahead
            if entrypoint.handler_type == "singleton":
                queue = f"evt-{entrypoint.source_service}-{entrypoint.event_type}"
            else:
                queue = (f"evt-{entrypoint.source_service}-{entrypoint.event_type}"
                         f"--{service_cls.name}.{attr}")
            found.append((queue, f"{entrypoint.source_service}.events",
                          entrypoint.event_type))
    return found


def service_class(name):
    module = importlib.import_module(f"services.{name}.service")
    return module.SERVICE


def declare_subscriptions(conn, specs):
    for queue, exchange_name, routing_key in specs:
        exchange = event_exchange(exchange_name)
        exchange(_channel(conn)).declare()
        kombu.Queue(queue, exchange=exchange, routing_key=routing_key,
                    durable=True)(_channel(conn)).declare()


def own_topology(name):
    """A service's `declare_topology(channel)`, or None if it has none."""
    try:
        module = importlib.import_module(f"services.{name}.topology")
    except ModuleNotFoundError as exc:
        if exc.name != f"services.{name}.topology":
            raise
        return None
    return module.declare_topology


def vhost_of(amqp_uri):
    path = urllib.parse.urlsplit(amqp_uri).path
    return urllib.parse.unquote(path[1:]) if len(path) > 1 else "/"


def ensure(amqp_uri, services=SERVICES, management=None):
    """Everything above, for the given services. Safe to repeat."""
    apply_policies(management, vhost=vhost_of(amqp_uri))
    with kombu.Connection(amqp_uri, connect_timeout=5) as conn:
        declare_unrouted(conn)
        declare_parking(conn)
        for name in services:
            declare_subscriptions(conn, subscriptions(service_class(name)))
            event_exchange(f"{name}.events")(_channel(conn)).declare()
            # A service may add routing of its own (say, per-round streams)
            # in its services/<name>/topology.py.
            own = own_topology(name)
            if own is not None:
                own(_channel(conn))
