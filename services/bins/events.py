"""Events the bins service publishes: its public contract.

Other services may import this module to validate what they receive.

Every bins event also carries the AMQP header `round_id`. `declare_topology`
adds the headers exchange `bins.rounds`, bound to `bins.events` for each of
these events, so a subscriber can follow one round by binding a queue to
`bins.rounds` with `{"x-match": "all", "round_id": "<id>"}`.
"""
import kombu
from marshmallow import Schema, fields, validate

from services.kit.envelope import EventCatalogue, EventContract
from services.kit.outbox import event_exchange

ROUNDS_EXCHANGE = "bins.rounds"
SERVICES = ("refuse", "recycling", "garden", "food")


class ReportFiledSchema(Schema):
    report_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    uprn = fields.String(required=True, validate=validate.Regexp(r"^\d{12}$"))
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    collection_date = fields.Date(required=True)
    round_id = fields.String(required=True)
    crew_id = fields.String(required=True)
    due_by = fields.AwareDateTime(required=True)


class ReportResolvedSchema(Schema):
    report_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    round_id = fields.String(required=True)
    crew_id = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(("collected",
                                                                    "not_collected")))
    reason = fields.String(allow_none=True, load_default=None)
    resolved_at = fields.AwareDateTime(required=True)


class RoundCompletedSchema(Schema):
    round_id = fields.String(required=True)
    crew_id = fields.String(required=True)
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    day = fields.Date(required=True)
    completed_at = fields.AwareDateTime(required=True)


class ReportOverdueSchema(Schema):
    report_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    round_id = fields.String(required=True)
    crew_id = fields.String(required=True)
    due_by = fields.AwareDateTime(required=True)


CATALOGUE = EventCatalogue(
    "bins",
    EventContract("ReportFiled", ReportFiledSchema, description=(
        "A resident reported a missed collection and it was accepted. Carries no "
        "resident contact details. AMQP header `round_id`.")),
    EventContract("ReportResolved", ReportResolvedSchema, description=(
        "A crew closed a missed-collection report after the return visit. "
        "AMQP header `round_id`.")),
    EventContract("RoundCompleted", RoundCompletedSchema, description=(
        "A crew marked a round complete for a day; sent once per round and day. "
        "AMQP header `round_id`.")),
    EventContract("ReportOverdue", ReportOverdueSchema, description=(
        "An open report passed its return-visit deadline; sent once per report. "
        "AMQP header `round_id`.")),
)


def declare_topology(channel):
    """`bins.rounds`: a headers exchange fed by `bins.events`, one
    exchange-to-exchange binding per event's routing key."""
    source = event_exchange("bins.events")(channel)
    source.declare()
    rounds = kombu.Exchange(ROUNDS_EXCHANGE, type="headers", durable=True)(channel)
    rounds.declare()
    for contract in CATALOGUE:
        key = contract.event_type if contract.version == 1 else \
            f"{contract.event_type}.v{contract.version}"
        rounds.bind_to(source, routing_key=key)
