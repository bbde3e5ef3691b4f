"""Server-rendered resident pages with the GOV.UK Design System.

Templates live beside the pages that use them (gateway/pages/<journey>/
templates/, gateway/staff/templates/, ...; TEMPLATE_FOLDERS lists them) and
extend `base.html` in gateway/templates/, which builds on
the govuk-frontend-jinja page template; components are imported with
`{% from "govuk_frontend_jinja/components/<name>/macro.html" import ... %}`.
Pages work without JavaScript; the GOV.UK Frontend script only enhances.
GOV.UK Frontend's own files are served by gateway/web/assets.py.
"""
import logging

from jinja2 import (ChainableUndefined, ChoiceLoader, Environment, PackageLoader,
                    PrefixLoader)
from werkzeug.wrappers import Response

from gateway.web import csrf

log = logging.getLogger("gateway.pages")  # the name logs knew it by

SERVICE_NAME = "Townhall"

# where templates are looked for, in turn: the shared layout and macros,
# then each journey's own; a template's name is its file name, wherever it is
TEMPLATE_FOLDERS = (
    "templates",
    "pages/bins/templates",
    "pages/bookings/templates",
    "pages/start/templates",
    "pages/timeline/templates",
    "pages/housing/templates",
    "staff/templates",
    "dev/templates",
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
                                # only on a developer's machine (gateway/dev/inbox.py)
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
