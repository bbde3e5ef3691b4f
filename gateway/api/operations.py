"""The gateway's own API: liveness and health, the API document and its
readable page, the echo round trip, and who a staff token belongs to.

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`; listed first, so its routes open the API document.
"""
import datetime as dt

from gateway.api.schemas import operations as schemas
from gateway.auth.roles import STAFF_ROLES
from gateway.web import openapi
from gateway.web.http import api, page
from gateway.web.rpc import health_report


class OperationsApi:

    @api("GET", "/livez", response=schemas.LiveSchema, tags=["operations"])
    def livez(self, request):
        """The gateway process is up (asks no other service)"""
        return {"status": "ok"}

    @api("GET", "/healthz", response=schemas.HealthSchema, tags=["operations"],
         errors=[503])
    def healthz(self, request):
        """Every service answers its health check

        Asks bins, housing, bookings and notify at once and answers within
        about two seconds: 200 when all say ok, else 503 naming the rest."""
        ok, body = health_report(self.rpc, self.settings.health_services,
                                 self.settings.health_timeout)
        return (200 if ok else 503), body

    @api("GET", "/api/v1/openapi.json", tags=["documentation"])
    def openapi_document(self, request):
        """This API described as OpenAPI 3"""
        return openapi.document(type(self))

    @page("GET", "/api/v1/docs")
    def api_docs(self, request):
        """The API reference as a readable page"""
        return self.pages.render(request, "api_docs.html",
                                 {"api": openapi.readable(openapi.document(type(self)))})

    @api("POST", "/api/v1/echo", body=schemas.EchoRequestSchema,
         response=schemas.EchoResponseSchema, tags=["diagnostics"], errors=[503])
    def echo(self, request):
        """Send a message to the bins service and back

        The bare HTTP -> RPC round trip, for checks and benchmarks."""
        received_at = dt.datetime.now(dt.timezone.utc)
        answer = self.rpc.call("bins", "echo", request.validated["message"])
        return {"message": answer["message"], "service": answer["service"],
                "received_at": received_at}

    @api("GET", "/api/v1/staff/me", roles=STAFF_ROLES,
         response=schemas.StaffMeSchema, tags=["staff"])
    def staff_me(self, request):
        """Who the token belongs to"""
        principal = request.principal
        return {"sub": principal.sub, "roles": sorted(principal.roles),
                "auth": principal.kind}
