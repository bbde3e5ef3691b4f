"""Open311 GeoReport v2 for missed bins: the service list and definitions,
filing a request with an API key, and reading requests back, in JSON or XML.

A mixin of GatewayService (gateway/service.py), which supplies `rpc`.
Errors on these paths, the gateway's own included, come in Open311's format.
"""
from werkzeug.wrappers import Response

from gateway.auth.roles import API_CLIENT
from gateway.open311 import format as open311
from gateway.web import errors
from gateway.web.caches import Cache, TimedValue
from gateway.web.http import api

SERVICE_CODES_TTL = 300


def open311_error_response(request, exc):
    """The gateway's errors (auth, limits, bad routes) in Open311's format."""
    values = getattr(request, "path_values", None) or {}
    fmt = values.get("fmt") or open311.format_from_path(request.path)
    descriptions = [exc.message]
    for name, messages in (exc.fields or {}).items():
        descriptions.extend(f"{name}: {m}" for m in messages)
    error = open311.Open311Error(open311.status_for(exc.status), *descriptions)
    return open311_response(fmt, *open311.render_errors(fmt, error), status=error.status)


def open311_response(fmt, body, content_type, status=200):
    return Response(body, status=status, content_type=content_type)


_OPEN311 = dict(in_docs=False, error_renderer=open311_error_response,
                error_prefix="/open311/")
_FMT = "<any(json, xml):fmt>"


def known_service_codes(cache, fetch):
    """Open311 service codes, kept a few minutes (`cache`, a TimedValue) so
    that filing a request makes one RPC, not two."""
    codes = cache.get(lambda: frozenset(s["service_code"] for s in open311.services(fetch())
                                        if s.get("service_code")))
    if not codes:
        # none yet: ask again next time
        cache.clear()
    return codes


class Open311Routes:
    service_codes = Cache(TimedValue, ttl=SERVICE_CODES_TTL)

    @api("GET", f"/open311/v2/services.{_FMT}", **_OPEN311)
    def open311_services(self, request, fmt):
        """Open311: the service list"""
        items = open311.services(self.rpc.call("bins", "open311_services"))
        return open311_response(fmt, *open311.render(fmt, "services", "service", items))

    @api("GET", f"/open311/v2/services/<code>.{_FMT}", **_OPEN311)
    def open311_service_definition(self, request, code, fmt):
        """Open311: one service's attributes"""
        for service in open311.services(self.rpc.call("bins", "open311_services")):
            if service["service_code"] == code:
                return open311_response(
                    fmt, *open311.render_definition(fmt, open311.definition(service)))
        raise errors.NotFound(f"There is no service with code {code}")

    @api("POST", f"/open311/v2/requests.{_FMT}", roles={API_CLIENT},
         api_key_field="api_key", **_OPEN311)
    def open311_new_request(self, request, fmt):
        """Open311: report a missed bin"""
        try:
            codes = known_service_codes(self.service_codes,
                                        lambda: self.rpc.call("bins", "open311_services"))
            args = open311.parse_new_request(request.form, codes)
        except open311.Open311Error as exc:
            return open311_response(fmt, *open311.render_errors(fmt, exc), status=exc.status)
        answer = self.rpc.call("bins", "file_report", args["uprn"], args["service"],
                               collection_date=args["collection_date"],
                               idempotency_key=request.idempotency_key,
                               channel="open311", email=args.get("email"),
                               phone=args.get("phone"))
        notice = "" if answer.get("created") else \
            "This collection was already reported: this is the open request."
        item = {"service_request_id": answer["report"]["reference"],
                "service_notice": notice, "account_id": None}
        return open311_response(fmt, *open311.render(fmt, "service_requests", "request",
                                                     [item]))

    @api("GET", f"/open311/v2/requests.{_FMT}", roles={API_CLIENT},
         api_key_field="api_key", **_OPEN311)
    def open311_requests(self, request, fmt):
        """Open311: missed-bin reports, newest first"""
        try:
            filters = open311.parse_filters(request.args)
        except open311.Open311Error as exc:
            return open311_response(fmt, *open311.render_errors(fmt, exc), status=exc.status)
        try:
            found = self.rpc.call("bins", "open311_requests", filters)
        except errors.ValidationFailed as exc:
            # bins' own limits on a search, such as how many days at once
            error = open311.Open311Error(400, *(
                f"{name}: {message}" for name, messages in (exc.fields or {}).items()
                for message in messages))
            return open311_response(fmt, *open311.render_errors(fmt, error), status=error.status)
        items = open311.requests(found)
        return open311_response(fmt, *open311.render(fmt, "service_requests", "request",
                                                     items))

    @api("GET", f"/open311/v2/requests/<request_id>.{_FMT}", roles={API_CLIENT},
         api_key_field="api_key", **_OPEN311)
    def open311_request(self, request, request_id, fmt):
        """Open311: one missed-bin report"""
        if not request_id or len(request_id) > 64:
            raise errors.NotFound(f"There is no request {request_id}")
        items = open311.requests([self.rpc.call("bins", "get_report_public", request_id)])
        return open311_response(fmt, *open311.render(fmt, "service_requests", "request",
                                                     items))
