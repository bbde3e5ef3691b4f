"""HTTP for the gateway: one place for what every request goes through.

nameko's `WebServer` answers unknown routes and wrong methods with werkzeug's
HTML and its handler turns errors into text with the exception in it. The
subclasses in gateway/web/server.py and handler.py give instead, for every
request:

- a correlation id (a well-formed `X-Request-Id`, or a new uuid4) that goes
  into the worker's context data, so nameko passes it to every RPC call, and
  comes back in the `X-Request-Id` response header;
- the JSON error shape of gateway.web.errors, with 404, 405 (+ Allow), 413
  (Content-Length checked, and the read capped at MAX_BODY_BYTES), 415 and
  400 for malformed JSON; a plain-English HTML page instead on web pages;
- security headers and `Cache-Control: no-store` on every response;
- for the routes that ask for them: staff authentication and roles, rate
  limits on writes, Idempotency-Key replays, CSRF checks, and validation of
  the query, JSON body or form against marshmallow schemas.

Routes are declared with `api(...)` (JSON) or `page(...)` (HTML), below;
gateway/web/server.py answers every request (routing, errors, headers),
gateway/web/handler.py enforces what a route declares, gateway/web/requests.py
has the pieces both use, and gateway/web/openapi.py reads the declarations
back as the API document.
"""
import functools

from gateway.web import errors
from gateway.web.handler import GatewayHandler, Refused
from gateway.web.openapi import RouteSpec


def _route(kind, method, path, **options):
    method = method.upper()

    def decorator(fn):
        doc = (fn.__doc__ or "").strip()
        summary, _, rest = doc.partition("\n")
        opts = dict(options)
        roles = opts.pop("roles", None)
        spec = RouteSpec(
            method=method, path=path, kind=kind,
            summary=opts.pop("summary", None) or summary.strip(),
            description=opts.pop("description", None) or rest.strip(),
            operation_id=fn.__name__,
            roles=frozenset(roles) if roles is not None else None,
            tags=tuple(opts.pop("tags", ())), **opts)

        @functools.wraps(fn)
        def route_method(*args, **kwargs):
            # an ApiError is an answer, not a fault: handing it back as a
            # value keeps nameko from logging a traceback for every 404
            try:
                return fn(*args, **kwargs)
            except errors.ApiError as exc:
                return Refused(exc)

        return GatewayHandler.decorator(spec)(route_method)

    return decorator


def api(method, path, **options):
    """Declares a JSON route. Options (all optional): body, query, response
    (marshmallow schema classes), status, roles (any one of them is enough),
    idempotent (default True for writes), rate_limit (None: the default,
    False: none, or a string like "5/minute"), tags, errors (further HTTP
    statuses to document), summary/description (default: the docstring),
    in_docs, media_type (a success that is not JSON), api_key_field (a form
    or query field that may carry an API key), error_renderer (errors in a
    format of the route's own). The route method gets the werkzeug request
    with `.validated` (the loaded body), `.query`, `.principal`,
    `.correlation_id`, `.idempotency_key` (the scoped key, or None)."""
    return _route("api", method, path, **options)


def page(method, path, **options):
    """Declares an HTML route. Writes check the CSRF token unless csrf=False;
    form=Schema loads the form into `request.validated`, or leaves the
    messages in `request.form_errors` for the page to show."""
    options.setdefault("in_docs", False)
    return _route("page", method, path, **options)
