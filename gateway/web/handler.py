"""The nameko entrypoint behind every route: it enforces what the route
declares (staff authentication and roles, rate limits on writes, the
query, JSON body or form against marshmallow schemas, CSRF checks,
Idempotency-Key replays), runs the route in a worker with the correlation
id in its context data, and turns what it returns or raises into a
response."""
import json
import logging
from functools import partial

from eventlet.event import Event
from marshmallow import ValidationError
from nameko.exceptions import IncorrectSignature
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from services.kit.schemas import instance

from gateway.auth.credentials import API_KEY_HEADER
from gateway.auth.roles import require_roles
from gateway.web import errors
from gateway.web.idempotency import CONTEXT_KEY as IDEMPOTENCY_CONTEXT_KEY
from gateway.web.idempotency import HEADER as IDEMPOTENCY_HEADER
from gateway.web.idempotency import REPLAYED_HEADER, Replay
from gateway.web.idempotency import fingerprint as request_fingerprint
from gateway.web.requests import (CREDENTIAL_HEADERS, JSON_TYPE, anonymous_identity,
                                  as_fields, client_ip, correlation_id_for, dump,
                                  json_response)
from gateway.web.rpc import outcome_unknown
from gateway.web.server import GatewayServer

log = logging.getLogger("gateway.http")  # the name logs knew it by


class Refused:
    """An ApiError a route raised, handed back as its result."""

    def __init__(self, error):
        self.error = error


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
        """Checks what the route declares, in order, then runs it; every
        refusal on the way becomes the error response."""
        request.shallow = False
        request.outcome_unknown = False
        claim = None
        try:
            self._identify(request)
            self._authorise(request)
            self._limit(request)
            self._validate(request)
            claim = self._claim(request)
            if isinstance(claim, Response):
                return claim  # a replay of the first answer
            response = self._run_worker(request, claim)
        except Exception as exc:
            response = self.response_from_exception(exc, request)
        self._settle(request, claim, response)
        return response

    def _identify(self, request):
        """Who is asking: correlation id, client address and principal."""
        request.correlation_id = correlation_id_for(request.environ)
        request.client_ip = client_ip(request, self.server.settings.trusted_proxy_hops)
        request.principal = self._principal(request)

    def _authorise(self, request):
        spec = self.spec
        if spec.roles is None:
            return
        if request.principal is None and spec.api_key_field:
            # Open311 clients authenticate with a key, not a token.
            raise errors.Forbidden(
                f"Send your API key as the {spec.api_key_field} parameter")
        require_roles(request.principal, spec.roles)

    def _limit(self, request):
        spec = self.spec
        if spec.is_write and spec.rate_limit is not False:
            self.server.rate_limiter.check(
                self._identity(request), signed_in=request.principal is not None,
                scope="writes" if not spec.rate_limit else spec.path,
                limit=spec.rate_limit or None)

    def _validate(self, request):
        """The query, JSON body and CSRF token, then the form (whose errors
        are the page's to show)."""
        spec = self.spec
        request.query = self._load(spec.query, request.args.to_dict()) \
            if spec.query is not None else None
        request.validated = self._validated_body(request) \
            if spec.body is not None else None
        request.form_errors = None
        if spec.kind == "page" and spec.is_write and spec.csrf:
            self.server.csrf.verify(request, exempt_json=False)
        if spec.form is not None:
            self._validated_form(request)

    def _claim(self, request):
        """For a write with an Idempotency-Key: the claim on the key, or the
        first answer's replay as a Response; else None."""
        spec = self.spec
        key = request.headers.get(IDEMPOTENCY_HEADER) if spec.is_write else None
        if key is None or not spec.idempotent:
            return None
        outcome = self.server.idempotency.begin(
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
        return outcome

    def _settle(self, request, claim, response):
        """Keeps the answer for replays of the claimed key."""
        if claim is None:
            return
        if request.outcome_unknown and response.status_code >= 400:
            # a timed-out call may still be carried out: no second run
            self.server.idempotency.hold(claim)
        else:
            self.server.idempotency.finish(claim, response.status_code,
                                           list(response.headers.items()),
                                           response.get_data())

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
            raise errors.ValidationFailed(fields=as_fields(exc.messages))

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
            request.form_errors = as_fields(exc.messages)

    def response_from_result(self, result):
        if isinstance(result, Refused):
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
            payload = dump(self.spec.response, payload)
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
