"""The gateway's pages as a browser without JavaScript uses them: a form's
CSRF token, the check that no markup was escaped into a page, and a Browser
over a Stack (or anything with a `base_url`) that keeps cookies and sends
forms with their token: shared by the gateway's page tests."""
import re
from html import unescape
from urllib.parse import urlsplit

import requests

CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# Markup built in a template and then escaped shows residents raw tags.
ESCAPED_MARKUP = re.compile(r"&lt;/?(span|br|strong|p|a)\b")


def csrf(html):
    """The CSRF token of the (first) form on the page."""
    return CSRF_TOKEN.search(html).group(1)


def assert_no_escaped_markup(html, pattern=ESCAPED_MARKUP):
    found = pattern.search(html)
    assert found is None, html[max(0, found.start() - 80):found.end() + 80]


class Browser:
    """Keeps cookies and the page it is on, which each request checks for
    escaped markup (`escaped_markup`, for a subclass to widen)."""
    escaped_markup = ESCAPED_MARKUP

    def __init__(self, stack):
        self.stack = stack
        self.session = requests.Session()
        self.page = None

    def get(self, path, **params):
        self.page = self.session.get(self.stack.base_url + path, params=params or None,
                                     timeout=10)
        assert_no_escaped_markup(self.page.text, self.escaped_markup)
        return self.page

    def submit(self, url, data=(), **fields):
        """Posts a form of the current page to `url` (following redirects)."""
        pairs = [("csrf_token", csrf(self.page.text))] + list(data) + list(fields.items())
        self.page = self.session.post(self.stack.base_url + url, data=pairs, timeout=10)
        assert_no_escaped_markup(self.page.text, self.escaped_markup)
        return self.page

    @property
    def path(self):
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def text(self):
        return unescape(self.page.text)
