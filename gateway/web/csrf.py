"""CSRF protection for the resident web forms: a signed double submit.

The browser holds a random value in an HttpOnly, SameSite=Lax cookie; every
form carries a hidden field holding that value signed (with a timestamp) by
the gateway's SECRET_KEY. A form POST is accepted only when the field's
signature is good, it is younger than MAX_AGE, and it signs the value in the
cookie. Another site can neither read the cookie nor forge the signature.

With COOKIE_SECURE the cookie is named `__Host-townhall_csrf`: browsers only
accept that name from HTTPS, with Path=/ and no Domain, so a sibling
subdomain cannot plant a cookie of its own for this host. Plain http (local
development) cannot use the prefix and keeps the bare name.

Without SECRET_KEY the gateway makes a random key at start (secret_or_random):
forms then break on a restart and across several instances.

The JSON API needs no token: its write routes accept only
`Content-Type: application/json`, which a cross-site form cannot send, and
requests with a bearer token or without cookies carry no ambient authority.
"""
import hmac
import logging
import secrets

from itsdangerous import BadData, URLSafeTimedSerializer

from gateway.web.errors import Forbidden

log = logging.getLogger("gateway.csrf")  # the name logs knew it by

COOKIE = "townhall_csrf"
SECURE_COOKIE = "__Host-" + COOKIE
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
MAX_AGE = 4 * 3600
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message = ("Your form could not be sent. This can happen if the page was "
               "open for a long time or your browser blocks cookies. Go back, "
               "refresh the page and try again")


def secret_or_random(secret_key):
    """SECRET_KEY, or a random key with a warning when it is not set."""
    if secret_key:
        return secret_key
    log.warning("SECRET_KEY (GATEWAY_SECRET_KEY) is not set: using a random key. "
                "Forms will not survive a restart of the gateway or work across "
                "several instances; set the same value on every instance")
    return secrets.token_urlsafe(48)


def cookie_name(secure_cookie):
    return SECURE_COOKIE if secure_cookie else COOKIE


class Csrf:
    def __init__(self, secret_key, *, secure_cookie=False, max_age=MAX_AGE):
        if not secret_key:
            raise ValueError("SECRET_KEY must be set for CSRF protection")
        self.serializer = URLSafeTimedSerializer(secret_key, salt="townhall-csrf")
        self.secure_cookie = secure_cookie
        self.cookie_name = cookie_name(secure_cookie)
        self.max_age = max_age

    def token_for(self, request):
        """(value for the hidden field, cookie value to set or None)."""
        cookie = request.cookies.get(self.cookie_name)
        new_cookie = None
        if not cookie or len(cookie) < 32 or len(cookie) > 128:
            cookie = new_cookie = secrets.token_urlsafe(32)
        return self.serializer.dumps(cookie), new_cookie

    def set_cookie(self, response, value):
        # no domain: a __Host- cookie must not have one
        response.set_cookie(self.cookie_name, value, httponly=True, samesite="Lax",
                            secure=self.secure_cookie, path="/")

    @staticmethod
    def exempt(request):
        """JSON requests that carry a bearer token or no cookies at all."""
        if request.mimetype in FORM_TYPES or request.mimetype == "text/plain":
            return False
        bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
        return bearer or not request.headers.get("Cookie")

    def verify(self, request, exempt_json=True):
        """Raises CsrfFailed unless the request carries a good token. Pages
        pass exempt_json=False: behind a sign-in proxy every request carries
        a bearer token, so a bodiless cross-site POST must not pass as JSON."""
        if exempt_json and self.exempt(request):
            return
        cookie = request.cookies.get(self.cookie_name)
        submitted = request.form.get(FIELD) or request.headers.get(HEADER)
        if not cookie or not submitted:
            raise CsrfFailed()
        try:
            signed = self.serializer.loads(submitted, max_age=self.max_age)
        except BadData:
            raise CsrfFailed()
        if not isinstance(signed, str) or not hmac.compare_digest(signed, cookie):
            raise CsrfFailed()
