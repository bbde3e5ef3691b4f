"""RPC from the gateway to the services, always with a deadline.

nameko 2.14's proxy waits for ever. Here every call is published with
`call_async()` and its reply awaited under `eventlet.Timeout`; the request
message also carries a per-message TTL (`expiration`, in seconds, passed
through to kombu) equal to the deadline, so a request the gateway gave up on
is dropped by the broker rather than run later by a service that comes back.

Mapping remote errors to HTTP (the convention services follow)
----------------------------------------------------------------
A service raises an exception whose *class name* says what went wrong; nameko
sends the name (`exc_type`) and `str(exc)` (`value`) back to the gateway:

- `ValidationError` (marshmallow's, or any class of that name): 400. Raise it
  with a dict of field -> messages; the gateway returns it as `fields`.
- a name ending in `NotFound` (`NotFound`, `ReportNotFound`): 404.
- a name ending in `Forbidden`, or `PermissionDenied`: 403.
- a name ending in `Conflict` or `AlreadyExists` (e.g. a case someone
  else is working on): 409.
- a name ending in `Rejected` or `Unprocessable` (a business rule says no,
  e.g. the missed-bin window has closed): 422.

For 409 and 422, when the message is a JSON object `{"code": ...,
"reason": ...}`, the error's code is the rule's code and its message (and
`reason`) the rule's reason. A 409's further keys go into the error body
too, e.g. the free `alternatives` to a full appointment slot:
`{"error": {"code": "slot_full", ..., "alternatives": [...]}}` (a key the
error shape already uses, like `fields`, is never overwritten).

For these the exception's message reaches the resident word for word, so
write it in plain English and put no personal data in it. Every other
exception, and nameko's own (`MethodNotFound`, `IncorrectSignature`, ...),
is a 500 whose body shows only the correlation id. A service that does not
answer in time, or has no queue at all (`UnknownService`), is a 503 that
names the service.

A timeout is the one answer after which nobody knows whether the service did
the work: it may have the message and still be running it. The worker is
marked (see `outcome_unknown`) so that a request with an Idempotency-Key
keeps its key locked rather than letting a retry run the command twice; and
for such requests the context data of every call carries `idempotency_key`,
for the service to deduplicate with (see gateway/web/idempotency.py).
"""
import ast
import json
import logging

import eventlet
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener

from services.kit import rpc

from gateway.web import errors
from gateway.web.settings import Settings

log = logging.getLogger("gateway.rpc")  # the name logs knew it by

NAMEKO_ERRORS = frozenset({
    "MethodNotFound", "IncorrectSignature", "MalformedRequest",
    "UnknownService", "ContainerBeingKilled", "UnserializableValueError"})


def _mapping(value):
    """A remote error's message as a dict, or None. nameko sends str(exc):
    JSON when the service wrote JSON, a Python repr for a ValidationError."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            data = parse(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return data if isinstance(data, dict) else None
    return None


def _fields_from(value):
    """A ValidationError's messages, sent as str(dict) by nameko."""
    data = _mapping(value)
    return _flatten(data) if data is not None else None


def _rule_from(value):
    """(code, reason, further keys) when a rejection's message is
    {"code", "reason", ...}."""
    data = _mapping(value)
    if data is None:
        return None
    code, reason = data.get("code"), data.get("reason") or data.get("message")
    if not isinstance(code, str) or not isinstance(reason, str) or not code:
        return None
    further = {k: v for k, v in data.items()
               if isinstance(k, str) and k not in _RESERVED_KEYS}
    return code, reason, further


# what a rule's further keys may not replace in the error body
_RESERVED_KEYS = frozenset({"code", "reason", "message", "fields", "service",
                            "correlation_id"})


def _flatten(data, prefix=""):
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        elif isinstance(value, (list, tuple)):
            out[name] = [str(v) for v in value]
        else:
            out[name] = [str(value)]
    return out


def map_remote_error(service, exc: RemoteError):
    name = exc.exc_type or ""
    value = exc.value if isinstance(exc.value, str) else str(exc.value or "")
    extra = {"service": service}
    if name in NAMEKO_ERRORS:
        pass
    elif name == "ValidationError" or name.endswith("ValidationError"):
        fields = _fields_from(exc.value)
        return errors.ValidationFailed(None if fields else value or None,
                                       fields=fields, extra=extra)
    elif name.endswith("NotFound"):
        return errors.NotFound(value or None, extra=extra)
    elif name.endswith("Forbidden") or name == "PermissionDenied":
        return errors.Forbidden(value or None, extra=extra)
    elif name.endswith("Conflict") or name.endswith("AlreadyExists"):
        return _with_rule(errors.Conflict, exc.value, value, extra, keep_further=True)
    elif name.endswith("Rejected") or name.endswith("Unprocessable"):
        return _with_rule(errors.Unprocessable, exc.value, value, extra)
    # the value may hold anything; the service has logged it with a trace
    log.error("unexpected error from %s: %s", service, name)
    return errors.InternalError()


def _with_rule(error_cls, raw, value, extra, keep_further=False):
    """A 409 or 422 whose message may be a rule, {"code": ..., "reason": ...}:
    then the error's code is the rule's and its message the reason; with
    `keep_further` (409s) the rule's other keys join the error body."""
    rule = _rule_from(raw)
    if rule is not None:
        code, reason, further = rule
        kept = further if keep_further else {}
        return error_cls(reason, code=code, extra={**kept, **extra, "reason": reason})
    return error_cls(value or None, extra=extra)


_OUTCOME_UNKNOWN = "townhall_outcome_unknown"


def outcome_unknown(worker_ctx):
    """True once an RPC of this worker timed out: it may yet be carried out."""
    return getattr(worker_ctx, _OUTCOME_UNKNOWN, False)


def unavailable(service, why):
    return errors.ServiceUnavailable(
        f"The {service} service {why}. Try again in a moment",
        extra={"service": service})


class RpcClient:
    """What a gateway worker uses: `self.rpc.call("bins", "echo", "hi")`."""

    def __init__(self, worker_ctx, reply_listener, timeout):
        self.worker_ctx = worker_ctx
        self.reply_listener = reply_listener
        self.timeout = timeout

    def call(self, service, method, *args, timeout=None, **kwargs):
        """The service's answer, or an ApiError (see the module docstring)."""
        timeout = timeout or self.timeout
        try:
            return rpc.call(self.worker_ctx, self.reply_listener, timeout, service, method,
                            *args, **kwargs)
        except rpc.CallTimedOut:
            # an attribute, not context data, which would go out with later calls
            setattr(self.worker_ctx, _OUTCOME_UNKNOWN, True)
            raise unavailable(service, "did not answer in time")
        except UnknownService:
            raise unavailable(service, "is not running")
        except RemoteError as exc:
            raise map_remote_error(service, exc)
        except (OSError, OperationalError) as exc:
            log.error("cannot reach the broker to call %s.%s: %s", service, method, exc)
            raise unavailable(service, "cannot be reached")

    def call_many(self, calls, timeout=None):
        """Runs {key: (service, method, args)} at once; returns {key: result
        or ApiError} after at most about `timeout` seconds."""
        def one(item):
            key, (service, method, args) = item
            try:
                return key, self.call(service, method, *args, timeout=timeout)
            except errors.ApiError as exc:
                return key, exc

        pool = eventlet.GreenPool(max(1, len(calls)))
        return dict(pool.imap(one, calls.items()))


class ServiceRpc(DependencyProvider):
    """RPC to any Townhall service with the timeout from RPC_TIMEOUT_SECONDS."""

    rpc_reply_listener = ReplyListener()

    def setup(self):
        self.timeout = Settings.from_config(self.container.config).rpc_timeout

    def get_dependency(self, worker_ctx):
        return RpcClient(worker_ctx, self.rpc_reply_listener, self.timeout)


def health_report(rpc, services, timeout):
    """(all_ok, body) from each service's `health` RPC, asked concurrently."""
    answers = rpc.call_many({name: (name, "health", ()) for name in services},
                            timeout=timeout)
    report, down = {}, []
    for name in services:
        answer = answers[name]
        if isinstance(answer, errors.ApiError):
            report[name] = {"service": name, "status": "unavailable",
                            "error": answer.message}
        elif not isinstance(answer, dict):
            report[name] = {"service": name, "status": "unavailable",
                            "error": "The health answer was not understood"}
        else:
            report[name] = answer
        if report[name].get("status") != "ok":
            down.append(name)
    body = {"status": "ok" if not down else "unavailable", "services": report}
    if down:
        body["down"] = down
        body.update(errors.error_body(
            "service_unavailable",
            "Not answering or not healthy: " + ", ".join(down)))
    return not down, body
