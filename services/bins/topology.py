"""Routing of bins' own, declared at deploy time by services.kit.topology:
the headers exchange `bins.rounds`, fed by `bins.events`, so a crew's
stream can take one round's events only (services.bins.contract says how
to bind to it)."""
import kombu

from services.bins.contract import CATALOGUE, ROUNDS_EXCHANGE
from services.kit.outbox import event_exchange


def declare_topology(channel):
    """`bins.rounds`: a headers exchange fed by `bins.events`, one
    exchange-to-exchange binding per event's routing key."""
    source = event_exchange("bins.events")(channel)
    source.declare()
    rounds = kombu.Exchange(ROUNDS_EXCHANGE, type="headers", durable=True)(channel)
    rounds.declare()
    for contract in CATALOGUE:
        rounds.bind_to(source, routing_key=contract.routing_key)
