"""What the rest of Townhall may know of bins: the events it publishes, the
codes they and its replies use, and the shape of the replies other services
consume. Importing it loads no nameko, broker or database library.

The vocabularies are defined in the pure domain (services.bins.domain) and
published from here; other services and the gateway import them from here.

Every bins event also carries the AMQP header `round_id`. The headers
exchange `bins.rounds` is bound to `bins.events` for each of these events, so
a subscriber can follow one round by binding a queue to `bins.rounds` with
`{"x-match": "all", "round_id": "<id>"}` (declared by services.bins.topology).
"""
from marshmallow import Schema, fields, validate

from services.bins.domain.model import (EXCEPTION_KINDS, OUTCOMES, REFERENCE_PREFIX,
                                        REPORT_CHANNELS, REPORT_STATUSES, SERVICE_NAMES,
                                        SERVICES)
from services.bins.domain.rules import REJECTION_CODES
from services.kit.envelope import EventCatalogue, EventContract
from services.kit.schemas import OwnerFacts, Reply

__all__ = ["CATALOGUE", "EXCEPTION_KINDS", "FiledReport", "NotificationFacts", "OUTCOMES",
           "REFERENCE_PREFIX", "REJECTION_CODES", "REPLIES", "REPORT_CHANNELS",
           "REPORT_STATUSES", "ROUNDS_EXCHANGE", "Report", "SERVICE_NAMES", "SERVICES"]

ROUNDS_EXCHANGE: str = "bins.rounds"


# -- events ------------------------------------------------------------------------------

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
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
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


CATALOGUE: EventCatalogue = EventCatalogue(
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


# -- RPC replies other services consume -------------------------------------------------

class NotificationFacts(OwnerFacts):
    """`bins.notification_facts(report_id)`: what a message about a report
    needs. Its `links` are the report's tracking page (kind
    `report_tracking`), with the tracking code when bins can give it."""

    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    service_name = fields.String(required=True)
    collection_date = fields.Date(required=True)
    due_by = fields.AwareDateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(REPORT_STATUSES))
    outcome = fields.String(required=True, allow_none=True,
                            validate=validate.OneOf(OUTCOMES))
    reason = fields.String(required=True, allow_none=True)


class Report(Reply):
    """A report as the person who filed it sees it (`bins.report_status`):
    times in the council's time zone."""
    id = fields.UUID(required=True)
    reference = fields.String(required=True)
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    collection_date = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(REPORT_STATUSES))
    outcome = fields.String(required=True, allow_none=True,
                            validate=validate.OneOf(OUTCOMES))
    outcome_reason = fields.String(required=True, allow_none=True)
    due_by = fields.AwareDateTime(required=True)
    filed_at = fields.AwareDateTime(required=True)
    resolved_at = fields.AwareDateTime(required=True, allow_none=True)
    address = fields.String(required=True)


class FiledReport(Reply):
    """`bins.file_report`: the report, new or the one already filed for the
    same bin and collection; the secret only for a new one."""
    created = fields.Boolean(required=True)
    report = fields.Nested(Report, required=True)
    secret = fields.String()


# The schema of each RPC's reply, by RPC name.
REPLIES: dict[str, type[Schema]] = {
    "notification_facts": NotificationFacts, "report_status": Report,
    "file_report": FiledReport}
