"""HTTP for the gateway: one place for what every request goes through.

nameko's `WebServer` answers unknown routes and wrong methods with werkzeug's
HTML and its handler turns errors into text with the exception in it. The
subclasses here give instead, for every request:

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

Routes are declared with `api(...)` (JSON) or `page(...)` (HTML); see
gateway/service.py for examples and gateway/openapi.py for the registry.
"""
import functools
import ipaddress
import json
import logging
import re
import secrets
import time
import uuid
from functools import partial
from io import BytesIO

import redis
from eventlet import wsgi
from eventlet.event import Event
from marshmallow import ValidationError
from nameko.exceptions import IncorrectSignature
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.utils import redirect as werkzeug_redirect
from werkzeug.wrappers import Request, Response

from services.kit.logs import CORRELATION_KEY, set_correlation_id
from services.kit.schemas import instance

from gateway.web import errors
from gateway.auth.credentials import API_KEY_HEADER, Authenticator
from gateway.auth.roles import require_roles
from gateway.web.csrf import Csrf, secret_or_random
from gateway.web.idempotency import CONTEXT_KEY as IDEMPOTENCY_CONTEXT_KEY
from gateway.web.idempotency import HEADER as IDEMPOTENCY_HEADER
from gateway.web.idempotency import REPLAYED_HEADER, IdempotencyStore, Replay
from gateway.web.idempotency import fingerprint as request_fingerprint
from gateway.web.openapi import RouteSpec
from gateway.web.cookies import Flash
from gateway.web.assets import Assets
from gateway.web.pages import PageRenderer
from gateway.web.ratelimit import RateLimiter
from gateway.web.rpc import outcome_unknown
from gateway.web.settings import Settings

log = logging.getLogger("gateway.http")  # the name logs knew it by
access_log = logging.getLogger("gateway.access")

REQUEST_ID_HEADER = "X-Request-Id"
RESIDENT_SECRET_HEADER = "X-Resident-Secret"
# a housing case a booking is for (gateway/bookings_routes.py)
CASE_REFERENCE_HEADER = "X-Case-Reference"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
_ENV_CID = "townhall.correlation_id"
_ENV_NONCE = "townhall.csp_nonce"
JSON_TYPE = "application/json"

PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=()")


def content_security_policy(nonce):
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")


def correlation_id_for(environ):
    """The caller's X-Request-Id when it is well formed, else a new uuid4."""
    cid = environ.get(_ENV_CID)
    if cid is None:
        given = environ.get("HTTP_X_REQUEST_ID", "").strip()
        cid = given if _REQUEST_ID.match(given) else str(uuid.uuid4())
        environ[_ENV_CID] = cid
    return cid


def json_response(payload, status=200, headers=None):
    return Response(json.dumps(payload, separators=(",", ":"), default=str),
                    status=status, headers=headers, content_type=JSON_TYPE)


def redirect(location, status=303):
    """After a form POST: 303 so the browser follows with a GET."""
    return werkzeug_redirect(location, status)


# Headers that prove a resident holds a report, case or booking.
CREDENTIAL_HEADERS = (RESIDENT_SECRET_HEADER, CASE_REFERENCE_HEADER)


def resident_secret(request):
    """The secret a resident was given for their report, case or booking:
    from the X-Resident-Secret header, else a `secret` query or form value."""
    value = (request.headers.get(RESIDENT_SECRET_HEADER)
             or request.args.get("secret") or request.form.get("secret") or "")
    value = value.strip()
    return value if 0 < len(value) <= 256 else None


# Paths that carry a resident's secret: a timeline link's code opens their
# timeline, so it must not sit in the access log for whoever reads it.
_SECRET_IN_PATH = re.compile(r"^(/timeline/)[^/]+")


def loggable_path(path):
    return _SECRET_IN_PATH.sub(r"\1(code)", path)


def client_ip(request, trusted_hops):
    """The client's address; X-Forwarded-For only counts behind as many
    trusted proxies as configured, since anyone can send that header."""
    if trusted_hops > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")
                if h.strip()]
        if len(hops) >= trusted_hops:
            return hops[-trusted_hops]
    return request.remote_addr or "unknown"


def anonymous_identity(ip):
    """What anonymous limits and idempotency records are kept under: the IPv4
    address, or the /64 of an IPv6 one, since a single host commonly holds
    (and can rotate through) a whole /64."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"ip:{ip}"
    if address.version == 6 and address.ipv4_mapped is not None:
        return f"ip:{address.ipv4_mapped}"
    if address.version == 6:
        # from the integer, so a zone id (fe80::1%eth0) does not get in the way
        return f"ip:{ipaddress.IPv6Network((int(address) >> 64 << 64, 64))}"
    return f"ip:{address}"


def wants_html(request, spec):
    if spec is not None:
        return spec.kind == "page"
    path = request.path
    if path.startswith(("/api/", "/assets/")) or path in ("/healthz", "/livez"):
        return False
    accept = request.accept_mimetypes
    return isinstance(accept, MIMEAccept) and accept.best_match(
        [JSON_TYPE, "text/html"]) == "text/html"


class GatewayServer(WebServer):
    """The one web server of the gateway container, shared by its routes."""

    def setup(self):
        self.settings = Settings.from_config(self.container.config)
        s = self.settings
        self.redis = redis.Redis.from_url(
            s.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0,
            health_check_interval=30)
        self.auth = Authenticator.from_settings(s)
        self.rate_limiter = RateLimiter(
            s.redis_url, prefix=s.redis_prefix,
            anonymous=s.rate_limit_anonymous, staff=s.rate_limit_staff)
        self.idempotency = IdempotencyStore(
            self.redis, s.redis_prefix, ttl=s.idempotency_ttl,
            lock_ttl=s.idempotency_lock_ttl)
        # never the staff-token key: one secret, one purpose
        secret = secret_or_random(s.secret_key)
        self.csrf = Csrf(secret, secure_cookie=s.cookie_secure)
        self.pages = PageRenderer(s, self.csrf, Flash(secret, secure_cookie=s.cookie_secure))
        self.assets = Assets(s.assets_dirs)
        if not self.assets.available():
            log.warning("GOV.UK Frontend assets not found (run npm install in "
                        "gateway/): pages will render without styles")

    def get_wsgi_app(self):
        return GatewayWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        # debug=False keeps tracebacks out of responses; our access log
        # replaces eventlet's plain-text one
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol,
                           debug=False, log=logging.getLogger("gateway.wsgi"),
                           log_output=False)

    def make_url_map(self):
        url_map = Map(strict_slashes=False)
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map

    def context_data_from_headers(self, request):
        return {CORRELATION_KEY: correlation_id_for(request.environ)}

    # --- request pieces used by the WSGI app and the handlers ---

    def read_body(self, request):
        """Reads at most MAX_BODY_BYTES; 413 if the body is larger, whatever
        Content-Length says. The body is put back as a buffer for werkzeug."""
        limit = self.settings.max_body_bytes
        environ = request.environ
        length = request.content_length
        if length is not None and length > limit:
            raise errors.PayloadTooLarge(
                f"The request body must be {limit} bytes or fewer")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        data = b""
        if length or chunked:
            data = environ["wsgi.input"].read(limit + 1)
            if len(data) > limit:
                raise errors.PayloadTooLarge(
                    f"The request body must be {limit} bytes or fewer")
        environ["wsgi.input"] = BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        request.raw_body = data
        return data

    def error_response(self, request, exc, spec=None):
        if exc.status >= 500 and not isinstance(exc, errors.ServiceUnavailable):
            # whatever raised it, a 500 shows only the reference
            exc = errors.internal_error(correlation_id_for(request.environ))
        renderer = spec.error_renderer if spec is not None else \
            _prefix_error_renderer(request.path)
        if renderer is not None:
            response = renderer(request, exc)
        elif wants_html(request, spec):
            # a 500's message carries the reference, which the page shows apart
            message = "Try again later" if exc.status >= 500 and \
                exc.extra.get("correlation_id") else exc.message
            if exc.status == 401:
                # staff pages sit behind the council's sign-in, which adds the token
                message = "Sign in with your council account, then try again"
            response = self.pages.error_page(
                request, exc.status, _ERROR_TITLES.get(exc.status, "Sorry, there is a problem"),
                message, correlation_id=exc.extra.get("correlation_id"))
        else:
            response = json_response(exc.body(), status=exc.status)
        for name, value in exc.headers.items():
            response.headers[name] = value
        return response

    def finish(self, request, response):
        """Headers every response carries."""
        h = response.headers
        h[REQUEST_ID_HEADER] = correlation_id_for(request.environ)
        h.setdefault("Content-Security-Policy",
                     content_security_policy(request.environ[_ENV_NONCE]))
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["Permissions-Policy"] = PERMISSIONS_POLICY
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        if self.settings.hsts_seconds > 0:
            h["Strict-Transport-Security"] = (
                f"max-age={self.settings.hsts_seconds}; includeSubDomains")
        if "Cache-Control" not in h:
            h["Cache-Control"] = "no-store"
        return response


_PREFIX_ERROR_RENDERERS = {}


def register_error_renderer(prefix, renderer):
    """Errors for paths under `prefix` that match no route (404, 405) get
    `renderer(request, ApiError)`, as that prefix's routes do."""
    _PREFIX_ERROR_RENDERERS[prefix] = renderer


def _prefix_error_renderer(path):
    for prefix, renderer in _PREFIX_ERROR_RENDERERS.items():
        if path.startswith(prefix):
            return renderer
    return None


_ERROR_TITLES = {
    400: "There is a problem with what was sent",
    401: "You need to sign in",
    403: "Sorry, your request could not be completed",
    404: "Page not found",
    405: "Page not found",
    413: "The information you sent is too large",
    429: "You have sent too many requests",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


class GatewayWsgiApp:
    """Routing, body limit and headers around every request."""

    def __init__(self, server):
        self.server = server
        self.url_map = server.make_url_map()

    def __call__(self, environ, start_response):
        started = time.monotonic()
        cid = correlation_id_for(environ)
        environ[_ENV_NONCE] = secrets.token_urlsafe(16)
        set_correlation_id(cid)
        # shallow until a route is found: nothing may read the body before
        request = Request(environ, shallow=True)
        request.csp_nonce = environ[_ENV_NONCE]
        spec = None
        try:
            response, spec = self.dispatch(request)
        except errors.ApiError as exc:
            response = self.server.error_response(request, exc, spec)
        except Exception:
            log.exception("unhandled error in the gateway")
            response = self.server.error_response(
                request, errors.internal_error(cid), spec)
        self.server.finish(request, response)
        path = loggable_path(request.path)
        access_log.info("%s %s %s", request.method, path, response.status_code,
                        extra={"method": request.method, "path": path,
                               "status": response.status_code,
                               "duration_ms": round((time.monotonic() - started) * 1000, 1)})
        set_correlation_id(None)
        return response(environ, start_response)

    def dispatch(self, request):
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            provider, values = adapter.match()
        except RequestRedirect as exc:
            return exc.get_response(request.environ), None
        except WerkzeugMethodNotAllowed as exc:
            allowed = sorted(set(exc.valid_methods or ()) | {"OPTIONS"})
            if request.method == "OPTIONS":
                return Response(status=204, headers={"Allow": ", ".join(allowed)}), None
            raise errors.MethodNotAllowed(headers={"Allow": ", ".join(allowed)})
        except WerkzeugNotFound:
            raise errors.NotFound()
        spec = provider.spec
        try:
            request.path_values = values
            if spec.is_write or request.content_length or request.headers.get(
                    "Transfer-Encoding"):
                self.server.read_body(request)
            return provider.handle_request(request), spec
        except errors.ApiError as exc:
            return self.server.error_response(request, exc, spec), spec


class GatewayHandler(HttpRequestHandler):
    """An HTTP entrypoint driven by a RouteSpec. Use `api()` or `page()`."""

    server = GatewayServer()

    def __init__(self, spec, **kwargs):
        self.spec = spec
        kwargs.setdefault("expected_exceptions", errors.ApiError)
        super().__init__(spec.method, spec.path, **kwargs)

    def get_url_rule(self):
        return Rule(self.url, methods=[self.method])

    def handle_request(self, request):
        request.shallow = False
        request.outcome_unknown = False
        spec = self.spec
        server = self.server
        claim = None
        try:
            request.correlation_id = correlation_id_for(request.environ)
            request.client_ip = client_ip(request, server.settings.trusted_proxy_hops)
            request.principal = self._principal(request)
            if spec.roles is not None:
                if request.principal is None and spec.api_key_field:
                    # Open311 clients authenticate with a key, not a token.
                    raise errors.Forbidden(
                        f"Send your API key as the {spec.api_key_field} parameter")
                require_roles(request.principal, spec.roles)
            if spec.is_write and spec.rate_limit is not False:
                server.rate_limiter.check(
                    self._identity(request), signed_in=request.principal is not None,
                    scope="writes" if not spec.rate_limit else spec.path,
                    limit=spec.rate_limit or None)
            request.query = self._load(spec.query, request.args.to_dict()) \
                if spec.query is not None else None
            request.validated = self._validated_body(request) \
                if spec.body is not None else None
            request.form_errors = None
            if spec.kind == "page" and spec.is_write and spec.csrf:
                server.csrf.verify(request, exempt_json=False)
            if spec.form is not None:
                self._validated_form(request)

            key = request.headers.get(IDEMPOTENCY_HEADER) if spec.is_write else None
            if key is not None and spec.idempotent:
                outcome = server.idempotency.begin(
                    identity=self._identity(request), method=request.method,
                    path=request.path, key=key,
                    fingerprint=request_fingerprint(
                        request.method, request.path, request.query_string,
                        getattr(request, "raw_body", b""),
                        # a replay needs the same credentials as the original
                        "\n".join(request.headers.get(h, "") for h in CREDENTIAL_HEADERS)))
                if isinstance(outcome, Replay):
                    response = Response(outcome.body, status=outcome.status,
                                        headers=outcome.headers)
                    response.headers[REPLAYED_HEADER] = "true"
                    return response
                claim = outcome

            response = self._run_worker(request, claim)
        except Exception as exc:
            response = self.response_from_exception(exc, request)
        if claim is not None and request.outcome_unknown and response.status_code >= 400:
            # a timed-out call may still be carried out: no second run
            server.idempotency.hold(claim)
        elif claim is not None:
            server.idempotency.finish(claim, response.status_code,
                                      list(response.headers.items()),
                                      response.get_data())
        return response

    def _run_worker(self, request, claim=None):
        context_data = self.server.context_data_from_headers(request)
        if claim is not None:
            context_data[IDEMPOTENCY_CONTEXT_KEY] = claim.scoped_key
        # for routes whose RPC takes the key as an argument
        request.idempotency_key = claim.scoped_key if claim is not None else None
        args, kwargs = self.get_entrypoint_parameters(request)
        self.check_signature(args, kwargs)
        event = Event()
        worker_ctx = self.container.spawn_worker(
            self, args, kwargs, context_data=context_data,
            handle_result=partial(self.handle_result, event))
        result = event.wait()
        request.outcome_unknown = outcome_unknown(worker_ctx)
        return self.response_from_result(result)

    def _principal(self, request):
        try:
            principal = self.server.auth.authenticate(request.headers)
            field_name = self.spec.api_key_field
            if principal is None and field_name:
                # Open311 sends its key as a form or query parameter
                key = request.form.get(field_name) or request.args.get(field_name)
                if key:
                    principal = self.server.auth.authenticate({API_KEY_HEADER: key})
            return principal
        except errors.Unauthorized:
            # bad credentials matter only where a role is needed; elsewhere
            # the caller is simply anonymous
            if self.spec.roles is not None:
                raise
            return None

    @staticmethod
    def _identity(request):
        principal = request.principal
        return principal.identity if principal is not None else \
            anonymous_identity(request.client_ip)

    @staticmethod
    def _load(schema_cls, data):
        try:
            return instance(schema_cls).load(data)
        except ValidationError as exc:
            raise errors.ValidationFailed(fields=_as_fields(exc.messages))

    def _validated_body(self, request):
        if request.mimetype != JSON_TYPE:
            raise errors.UnsupportedMediaType()
        raw = getattr(request, "raw_body", b"")
        if not raw.strip():
            raise errors.BadRequest("Send a JSON object in the request body",
                                    code="invalid_json")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise errors.BadRequest("The request body is not valid JSON",
                                    code="invalid_json")
        return self._load(self.spec.body, data)

    def _validated_form(self, request):
        """Form routes re-render their page with the errors, so these are
        handed to the route rather than raised."""
        data = {k: v for k, v in request.form.items() if k != "csrf_token"}
        try:
            request.validated = self.spec.form().load(data)
        except ValidationError as exc:
            request.validated = None
            request.form_errors = _as_fields(exc.messages)

    def response_from_result(self, result):
        if isinstance(result, _Refused):
            raise result.error
        if isinstance(result, Response):
            return result
        status, headers, payload = self.spec.status, None, result
        if isinstance(result, tuple):
            if len(result) == 3:
                status, headers, payload = result
            else:
                status, payload = result
        if self.spec.response is not None and isinstance(payload, dict):
            payload = _dump(self.spec.response, payload)
        if isinstance(payload, (dict, list)):
            return json_response(payload, status=status, headers=headers)
        if isinstance(payload, str):
            return Response(payload, status=status, headers=headers)
        raise TypeError(f"a route returned {type(payload).__name__}")

    def response_from_exception(self, exc, request=None):
        if isinstance(exc, errors.ApiError):
            error = exc
        elif isinstance(exc, HTTPException):
            error = errors.from_http_exception(exc)
        else:
            if not isinstance(exc, IncorrectSignature):
                log.error("unhandled error in %s", self.method_name, exc_info=exc)
            cid = correlation_id_for(request.environ) if request is not None else None
            error = errors.internal_error(cid)
        if request is None:
            return json_response(error.body(), status=error.status, headers=error.headers)
        return self.server.error_response(request, error, self.spec)


def _as_fields(messages):
    """marshmallow's messages as {field: [message, ...]}."""
    if isinstance(messages, list):
        return {"_schema": [str(m) for m in messages]}
    out = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            for sub_key, sub_value in _as_fields(value).items():
                out[f"{key}.{sub_key}"] = sub_value
        else:
            out[str(key)] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return out


def _dump(schema_cls, payload):
    """Only the declared fields leave the gateway; a payload that does not
    fit its own schema is a bug, shown to the client as a 500."""
    schema = instance(schema_cls)
    data = schema.dump(payload)
    problems = schema.validate(data)
    if problems:
        log.error("response does not match %s: %s", schema_cls.__name__,
                  sorted(problems))
        raise errors.InternalError()
    return data


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
                return _Refused(exc)

        return GatewayHandler.decorator(spec)(route_method)

    return decorator


class _Refused:
    def __init__(self, error):
        self.error = error


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
