"""The gateway: HTTP in, RPC to the services out.

    nameko run --config gateway/config.yaml gateway.service

Route methods stay thin: the decorator declares the contract (schemas,
roles, limits) and gateway.web.http enforces it before the method runs. Each
resident journey keeps its routes in a mixin of its own (gateway/bins_routes.py,
gateway/housing_routes.py, gateway/bookings_routes.py).
"""
import datetime as dt
import logging

import eventlet
from kombu.exceptions import OperationalError

from services.kit.logs import CorrelationId

from gateway.web import errors, openapi, schemas
from gateway.auth.roles import STAFF_ROLES, SUPERVISOR
# the module, not the class: `nameko run gateway.service` would try to run
# any class with entrypoints found in this namespace
from gateway import devinbox_routes, notify_routes
from gateway.api import bins as bins_api
from gateway.api import bookings as bookings_api
from gateway.api import housing as housing_api
from gateway.open311 import routes as open311_routes
from gateway.pages.bins import routes as bins_pages
from gateway.pages.bookings import manage as bookings_manage
from gateway.pages.bookings import routes as bookings_pages
from gateway.pages.housing import routes as housing_pages
from gateway.staff import housing as staff_housing
from gateway.web.http import api, page, redirect
from gateway.web.providers import Config, Pages, StaticAssets
from gateway.web.rpc import ServiceRpc, health_report

log = logging.getLogger(__name__)

PARKED_LIST_TIMEOUT = 10


class GatewayService(bins_api.BinsApi, open311_routes.Open311Routes, bins_pages.BinsPages,
                     bookings_api.BookingsApi, housing_api.HousingApi,
                     notify_routes.NotifyRoutes, housing_pages.HousingPages,
                     bookings_manage.ManageBookingPages, bookings_pages.BookingsPages,
                     staff_housing.StaffHousingPages,
                     devinbox_routes.DevInboxRoutes):
    name = "gateway"

    correlation_id = CorrelationId()
    rpc = ServiceRpc()
    pages = Pages()
    assets = StaticAssets()
    settings = Config()

    # --- operations ---

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

    # --- JSON API ---

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

    @api("GET", "/api/v1/ops/parked", roles={SUPERVISOR},
         query=schemas.PageQuerySchema, response=schemas.ParkedListSchema,
         tags=["operations"], errors=[503])
    def ops_parked(self, request):
        """Messages that failed every retry and were parked

        Read-only: replay or discard them with the townhall-dlq command."""
        try:
            # imported here: the gateway must start even without this module
            from services.kit.dlq import list_parked
        except ImportError:
            raise errors.ServiceUnavailable("Listing parked messages is not available")
        try:
            with eventlet.Timeout(PARKED_LIST_TIMEOUT):
                items = list_parked(self.settings.amqp_uri,
                                    limit=request.query["limit"])
        except (eventlet.Timeout, OSError, OperationalError) as exc:
            log.error("cannot list parked messages: %s", exc)
            raise errors.ServiceUnavailable(
                "The message broker did not answer. Try again in a moment")
        return {"items": items, "count": len(items)}

    # --- resident pages ---

    @page("GET", "/")
    def home(self, request):
        """Start page"""
        return self.pages.render(request, "home.html", {"needs": schemas.NEEDS})

    @page("GET", "/start")
    def start(self, request):
        """What do you need to do?"""
        return self.pages.render(request, "start.html", {"needs": schemas.NEEDS})

    @page("POST", "/start", form=schemas.StartFormSchema)
    def start_submit(self, request):
        """Send the resident to the journey they chose"""
        if request.form_errors:
            return self.pages.render(request, "start.html", {
                "needs": schemas.NEEDS, "errors": request.form_errors}, status=400)
        return redirect(schemas.NEEDS[request.validated["need"]][1])

    @api("GET", "/assets/<path:path>", in_docs=False)
    def asset(self, request, path):
        """GOV.UK Frontend's CSS, JavaScript, fonts and images"""
        return self.assets.response(request, path)
