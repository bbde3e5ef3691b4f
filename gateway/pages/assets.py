"""The route for GOV.UK Frontend's files that every page links to."""
from gateway.web.http import api


class AssetRoutes:
    """A mixin of GatewayService, which supplies `assets`."""

    @api("GET", "/assets/<path:path>", in_docs=False)
    def asset(self, request, path):
        """GOV.UK Frontend's CSS, JavaScript, fonts and images"""
        return self.assets.response(request, path)
