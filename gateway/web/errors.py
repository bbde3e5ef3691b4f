"""The one error shape every gateway response uses.

    {"error": {"code": "not_found", "message": "...", "fields": {...}}}

`code` is stable and meant for programs, `message` is plain English meant for
people, `fields` (only when it helps) maps each bad input field to a list of
messages. Raise an `ApiError` subclass anywhere in a request, in a route
method or in the gateway's own checks, and the handler turns it into that
shape; anything else becomes a 500 that shows only the correlation id.
"""
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    status = 500
    code = "internal_error"
    message = "Something went wrong"

    def __init__(self, message=None, *, fields=None, headers=None, code=None,
                 extra=None):
        self.message = message or self.message
        self.fields = fields
        self.headers = dict(headers or {})
        self.extra = extra or {}
        if code:
            self.code = code
        super().__init__(self.message)

    def body(self):
        return error_body(self.code, self.message, self.fields, **self.extra)


class BadRequest(ApiError):
    status = 400
    code = "bad_request"
    message = "The request could not be understood"


class ValidationFailed(BadRequest):
    code = "validation_error"
    message = "Some of the information sent is not valid"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    message = "Sign in to use this"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this"


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = "There is nothing at this address"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"
    message = "This address does not accept that method"


class Conflict(ApiError):
    status = 409
    code = "conflict"
    message = "This conflicts with the current state of the resource"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"
    message = "Send the request body as JSON with Content-Type: application/json"


class Unprocessable(ApiError):
    status = 422
    code = "unprocessable"
    message = "The request was understood but cannot be carried out"


class TooManyRequests(ApiError):
    status = 429
    code = "rate_limited"
    message = "Too many requests. Wait a moment and try again"


class InternalError(ApiError):
    status = 500


class ServiceUnavailable(ApiError):
    status = 503
    code = "service_unavailable"
    message = "A service is not available at the moment. Try again later"


def error_body(code, message, fields=None, **extra):
    # "fields" is always there, empty when no one field is to blame, so a
    # client reads every error the same way.
    error = {"code": code, "message": message, "fields": fields or {}}
    error.update(extra)
    return {"error": error}


def internal_error(correlation_id):
    """A 500 that tells the client only what support needs to find the log."""
    return InternalError(
        f"Something went wrong. If it keeps happening, quote reference "
        f"{correlation_id}" if correlation_id else None,
        extra={"correlation_id": correlation_id} if correlation_id else None)


_BY_STATUS = {cls.status: cls for cls in (
    BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, Conflict,
    PayloadTooLarge, UnsupportedMediaType, Unprocessable, TooManyRequests,
    ServiceUnavailable)}


def from_http_exception(exc: HTTPException):
    """Werkzeug raises its own exceptions (a request body over its limit, a
    bad form encoding); give them our shape, never werkzeug's HTML."""
    cls = _BY_STATUS.get(exc.code)
    if cls is None:
        return InternalError()
    headers = {}
    if cls is MethodNotAllowed and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return cls(headers=headers)
