"""Server-rendered resident pages with the GOV.UK Design System.

Templates live beside the pages that use them (gateway/pages/<journey>/
templates/, gateway/staff/templates/, ...; TEMPLATE_FOLDERS lists them) and
extend `base.html` in gateway/templates/, which builds on
the govuk-frontend-jinja page template; components are imported with
`{% from "govuk_frontend_jinja/components/<name>/macro.html" import ... %}`.
Pages work without JavaScript; the GOV.UK Frontend script only enhances.

The GOV.UK Frontend CSS, JavaScript, fonts and images come from the npm
package (gateway/package.json) and are served under /assets/. If they are
missing (npm install not run), pages still render, unstyled.
"""
import logging

from jinja2 import (ChainableUndefined, ChoiceLoader, Environment, PackageLoader,
                    PrefixLoader)
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from gateway.web import csrf
from gateway.web.errors import NotFound

log = logging.getLogger("gateway.pages")  # the name logs knew it by

SERVICE_NAME = "Townhall"
ASSET_MAX_AGE = 3600
# files served from the package root; everything else from its assets/ folder
TOP_LEVEL_ASSETS = frozenset({"govuk-frontend.min.css", "govuk-frontend.min.js"})


# where templates are looked for, in turn: the shared layout and macros,
# then each journey's own; a template's name is its file name, wherever it is
TEMPLATE_FOLDERS = (
    "templates",
    "pages/bins/templates",
    "pages/bookings/templates",
    "pages/housing/templates",
    "staff/templates",
)


def make_environment():
    loader = ChoiceLoader([
        *(PackageLoader("gateway", folder) for folder in TEMPLATE_FOLDERS),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    # ChainableUndefined: the GOV.UK macros read optional nested params
    return Environment(loader=loader, autoescape=True, undefined=ChainableUndefined,
                       trim_blocks=True, lstrip_blocks=True)


class PageRenderer:
    def __init__(self, settings, csrf_protection, flash=None):
        self.settings = settings
        self.csrf = csrf_protection
        self.flash = flash
        self.env = make_environment()
        self.env.globals.update(serviceName=SERVICE_NAME, serviceUrl="/",
                                council_name=settings.council_name,
                                # only on a developer's machine (gateway/devinbox_routes.py)
                                dev_inbox_enabled=bool(settings.dev_inbox_dir))

    def render(self, request, template, context=None, status=200, headers=None):
        """A full HTML response; templates may call `csrf_field()`."""
        new_cookie = []

        def csrf_field():
            value, cookie = self.csrf.token_for(request)
            if cookie:
                # one cookie per page, however many forms it has
                request.cookies = request.cookies.copy()
                request.cookies[self.csrf.cookie_name] = cookie
                new_cookie.append(cookie)
            return value

        ctx = {"cspNonce": getattr(request, "csp_nonce", None),
               "csrf_field": csrf_field, "csrf_field_name": csrf.FIELD,
               "request_path": request.path}
        ctx.update(context or {})
        body = self.env.get_template(template).render(ctx)
        response = Response(body, status=status, headers=headers,
                            content_type="text/html; charset=utf-8")
        if new_cookie:
            self.csrf.set_cookie(response, new_cookie[-1])
        return response

    def error_page(self, request, status, title, message, correlation_id=None):
        try:
            return self.render(request, "error.html", {
                "title": title, "message": message, "status": status,
                "correlation_id": correlation_id}, status=status)
        except Exception:
            log.exception("cannot render the error page")
            return Response(f"{title}\n\n{message}\n", status=status,
                            content_type="text/plain; charset=utf-8")


class Assets:
    """GOV.UK Frontend's built files, looked for in each of `dirs` in turn."""

    def __init__(self, dirs):
        self.dirs = list(dirs)

    def available(self):
        return any((d / "govuk-frontend.min.css").is_file() for d in self.dirs)

    def response(self, request, path):
        for base in self.dirs:
            directory = base if path in TOP_LEVEL_ASSETS else base / "assets"
            if not directory.is_dir():
                continue
            try:
                # send_from_directory refuses paths that leave the directory
                response = send_from_directory(directory, path, request.environ,
                                               max_age=ASSET_MAX_AGE)
            except WerkzeugNotFound:
                continue
            response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
            return response
        raise NotFound("There is no such file")
