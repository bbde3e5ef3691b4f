"""The gateway: HTTP in, RPC to the services out.

    nameko run --config gateway/config.yaml gateway.service

GatewayService is made of route mixins, one per part of the tree:

    gateway/api/          the JSON API, one module per service
    gateway/open311/      Open311 GeoReport v2 for missed bins
    gateway/pages/        the resident pages, one package per journey
    gateway/staff/        the caseworkers' pages, the supervisors' failed messages
    gateway/dev/          the development inbox
    gateway/web/          the HTTP machinery every route goes through
    gateway/auth/         staff tokens, API keys and roles

Route methods stay thin: the decorator declares the contract (schemas,
roles, limits) and gateway/web/ enforces it before the method
runs. The API document lists the routes in the order of the mixins below.
"""
from services.kit.logs import CorrelationId

# the modules, not the classes: `nameko run gateway.service` would try to run
# any class with entrypoints found in this namespace
from gateway.api import bins as bins_api
from gateway.api import bookings as bookings_api
from gateway.api import housing as housing_api
from gateway.api import notify as notify_api
from gateway.api import operations
from gateway.dev import inbox as dev_inbox
from gateway.open311 import routes as open311_routes
from gateway.pages import assets as page_assets
from gateway.pages.bins import routes as bins_pages
from gateway.pages.bookings import manage as bookings_manage
from gateway.pages.bookings import routes as bookings_pages
from gateway.pages.housing import routes as housing_pages
from gateway.pages.start import routes as start_pages
from gateway.pages.timeline import routes as timeline_pages
from gateway.staff import dead_letters
from gateway.staff import housing as staff_housing
from gateway.web.providers import Config, Pages, StaticAssets
from gateway.web.rpc import ServiceRpc


class GatewayService(
        # the JSON API, in the order the API document lists it
        operations.OperationsApi, dead_letters.ParkedMessagesApi,
        bins_api.BinsApi, open311_routes.Open311Routes, bookings_api.BookingsApi,
        housing_api.HousingApi, notify_api.NotifyApi, dead_letters.DeadMessagesApi,
        # the pages
        start_pages.StartPages, bins_pages.BinsPages, housing_pages.HousingPages,
        bookings_manage.ManageBookingPages, bookings_pages.BookingsPages,
        timeline_pages.TimelinePages, staff_housing.StaffHousingPages,
        dev_inbox.DevInboxRoutes, page_assets.AssetRoutes):
    name = "gateway"

    correlation_id = CorrelationId()
    rpc = ServiceRpc()
    pages = Pages()
    assets = StaticAssets()
    settings = Config()
