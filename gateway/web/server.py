"""The gateway's one web server per container, and the WSGI app in front of
every request: routing, the body limit, error pages and JSON errors, the
headers every response carries, and the access log.

nameko's `WebServer` answers unknown routes and wrong methods with werkzeug's
HTML; here 404, 405 (+ Allow), 413 (Content-Length checked, and the read
capped at MAX_BODY_BYTES) come in the JSON error shape of gateway.web.errors,
or as a plain-English HTML page on web pages.
"""
import logging
import secrets
import time
from io import BytesIO

import redis
from eventlet import wsgi
from nameko.web.server import HttpOnlyProtocol, WebServer
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.routing import Map, RequestRedirect
from werkzeug.wrappers import Request, Response

from services.kit.logs import CORRELATION_KEY, set_correlation_id

from gateway.auth.credentials import Authenticator
from gateway.web import errors
from gateway.web.assets import Assets
from gateway.web.cookies import Flash
from gateway.web.csrf import Csrf, secret_or_random
from gateway.web.idempotency import IdempotencyStore
from gateway.web.pages import PageRenderer
from gateway.web.ratelimit import RateLimiter
from gateway.web.requests import (ENV_NONCE, PERMISSIONS_POLICY, REQUEST_ID_HEADER,
                                  content_security_policy, correlation_id_for,
                                  json_response, loggable_path, wants_html)
from gateway.web.settings import Settings

log = logging.getLogger("gateway.http")  # the name logs knew it by
access_log = logging.getLogger("gateway.access")

ERROR_TITLES = {
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

    def prefix_error_renderer(self, path):
        """Errors for paths under a route's `error_prefix` that match no route
        (404, 405) get that route's `error_renderer`, as its own errors do."""
        for provider in self._providers:
            prefix = provider.spec.error_prefix
            if prefix and path.startswith(prefix):
                return provider.spec.error_renderer
        return None

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
            self.prefix_error_renderer(request.path)
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
                request, exc.status, ERROR_TITLES.get(exc.status, "Sorry, there is a problem"),
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
                     content_security_policy(request.environ[ENV_NONCE]))
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


class GatewayWsgiApp:
    """Routing, body limit and headers around every request."""

    def __init__(self, server):
        self.server = server
        self.url_map = server.make_url_map()

    def __call__(self, environ, start_response):
        started = time.monotonic()
        cid = correlation_id_for(environ)
        environ[ENV_NONCE] = secrets.token_urlsafe(16)
        set_correlation_id(cid)
        # shallow until a route is found: nothing may read the body before
        request = Request(environ, shallow=True)
        request.csp_nonce = environ[ENV_NONCE]
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
