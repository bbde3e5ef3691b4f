"""What a route reaches through `self`: nameko DependencyProviders over the
gateway's one web server (gateway/web/server.py), which builds each thing once
per container."""
from nameko.extensions import DependencyProvider

from gateway.web.server import GatewayServer


class Pages(DependencyProvider):
    """Gives a route `self.pages.render(request, "template.html", {...})`."""

    server = GatewayServer()

    def get_dependency(self, worker_ctx):
        return self.server.pages


class StaticAssets(DependencyProvider):
    server = GatewayServer()

    def get_dependency(self, worker_ctx):
        return self.server.assets


class Config(DependencyProvider):
    """Gives a route the gateway's Settings."""

    server = GatewayServer()

    def get_dependency(self, worker_ctx):
        return self.server.settings


class SignedCookie(DependencyProvider):
    """Gives a route one `cookie_cls(secret)` per container, signed with the
    gateway's secret key, the one its flash cookies use."""

    server = GatewayServer()

    def __init__(self, cookie_cls):
        self.cookie_cls = cookie_cls
        self.cookie = None

    def get_dependency(self, worker_ctx):
        if self.cookie is None:
            self.cookie = self.cookie_cls(self.server.pages.flash.serializer.secret_key)
        return self.cookie
