"""JSON logs with the request's correlation id on every line.

The id arrives in nameko's context data (the gateway sets it from the HTTP
request) and nameko forwards context data on every RPC call and event, so a
single value follows one resident's request through every service.
"""
import datetime as dt
import logging
import threading
import uuid

from nameko.extensions import DependencyProvider
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

CORRELATION_KEY = "correlation_id"

# Under eventlet's monkey patching a threading.local is per green thread,
# which is exactly one nameko worker.
_local = threading.local()


def current_correlation_id():
    return getattr(_local, "correlation_id", None)


def set_correlation_id(value):
    _local.correlation_id = value


# nameko logs whole RPC replies at DEBUG; replies carry personal data
# (answers, contact details), so those records never reach a handler.
PAYLOAD_RECORDS = frozenset({"RPC reply event complete %s %s"})
# nameko logs each failed worker with its exception's message (and trace).
# A refusal of bad input or a rule's rejection is an answer, not a fault: its
# message may repeat what the person typed, so only its class is logged.
WORKER_ERRORS = frozenset({"error handling worker %s: %s",
                           "(expected) error handling worker %s: %s"})
ANSWER_ERRORS = ("ValidationError", "Rejected", "NotFound", "Conflict", "Forbidden")


def _without_answer(record):
    exc = record.args[1] if isinstance(record.args, tuple) and len(record.args) == 2 else None
    name = type(exc).__name__
    if exc is not None and name.endswith(ANSWER_ERRORS):
        record.args = (record.args[0], name)
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.INFO, "INFO"


class CorrelationFilter(logging.Filter):
    """Stamps every record with the current correlation id and service, and
    drops the records that would carry message bodies."""

    service = None

    def filter(self, record):
        if record.msg in PAYLOAD_RECORDS:
            return False
        if record.msg in WORKER_ERRORS:
            _without_answer(record)
        record.correlation_id = current_correlation_id()
        if self.service and not hasattr(record, "service"):
            record.service = self.service
        return True


class CorrelationId(DependencyProvider):
    """Gives each worker a correlation id: the caller's, or a new one.

    Storing a new id back into the worker's context data makes nameko pass
    it on to every RPC call and event the worker makes.
    """

    def worker_setup(self, worker_ctx):
        value = worker_ctx.data.get(CORRELATION_KEY)
        if not value:
            value = str(uuid.uuid4())
            worker_ctx.data[CORRELATION_KEY] = value
        set_correlation_id(value)

    def worker_teardown(self, worker_ctx):
        set_correlation_id(None)

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get(CORRELATION_KEY)


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message,
    then the correlation id, the service and any `extra` fields."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)

    def add_fields(self, log_record, record, message_dict):
        log_record["time"] = dt.datetime.fromtimestamp(
            record.created, dt.timezone.utc).isoformat(timespec="milliseconds")
        super().add_fields(log_record, record, message_dict)


def logging_config(service, level="INFO"):
    """A dictConfig for one JSON object per line on stdout."""
    return {
        "version": 1,
        # nameko and kombu create their loggers at import time; disabling
        # them would hide worker tracebacks.
        "disable_existing_loggers": False,
        "filters": {
            "correlation": {
                "()": "services.kit.logs.service_filter",
                "service": service,
            }
        },
        "formatters": {
            "json": {"()": "services.kit.logs.JsonFormatter"}
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["correlation"],
            }
        },
        "root": {"level": level, "handlers": ["stdout"]},
    }


def service_filter(service):
    f = CorrelationFilter()
    f.service = service
    return f
