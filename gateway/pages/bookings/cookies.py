"""The signed cookies that carry a case and a hold from page to page."""
from itsdangerous import BadData, URLSafeTimedSerializer

from gateway.api.schemas.bookings import normalise_reference
from gateway.api.schemas.housing import normalise_code
from gateway.api.schemas.housing import normalise_reference as housing_reference


class SignedCookie:
    """A small value in a signed, HttpOnly, SameSite=Lax session cookie
    scoped to /bookings: never in a URL, and good for MAX_AGE at most."""

    PATH = "/bookings"

    def __init__(self, secret_key, name, max_age):
        self.name = name
        self.max_age = max_age
        self.serializer = URLSafeTimedSerializer(secret_key, salt=f"townhall-{name}")

    def read(self, request):
        raw = request.cookies.get(self.name)
        if not raw or len(raw) > 1024:
            return None
        try:
            value = self.serializer.loads(raw, max_age=self.max_age)
        except BadData:
            return None
        return value if isinstance(value, dict) else None

    def attach(self, response, request, value, secure=False):
        response.set_cookie(self.name, self.serializer.dumps(value), httponly=True,
                            samesite="Lax", path=self.PATH,
                            secure=secure or request.scheme == "https")
        return response

    def clear(self, response, request, secure=False):
        response.delete_cookie(self.name, path=self.PATH, httponly=True, samesite="Lax",
                               secure=secure or request.scheme == "https")
        return response


class CaseCookie(SignedCookie):
    """The housing case a person books for: {"reference", "secret"}."""

    NAME = "booking_case"
    MAX_AGE = 24 * 3600

    def __init__(self, secret_key):
        super().__init__(secret_key, self.NAME, self.MAX_AGE)

    def read(self, request):
        value = super().read(request) or {}
        reference = housing_reference(value.get("reference"))
        secret = normalise_code(value.get("secret"))
        return {"reference": reference, "secret": secret} if reference and secret else None


class HoldCookie(SignedCookie):
    """The place held while the person gives their details: {"reference",
    "secret", "back"} (back: the times page to choose again from)."""

    NAME = "booking_hold"
    MAX_AGE = 3600

    def __init__(self, secret_key):
        super().__init__(secret_key, self.NAME, self.MAX_AGE)

    def read(self, request):
        value = super().read(request) or {}
        reference = normalise_reference(value.get("reference"))
        secret = normalise_code(value.get("secret"))
        if not reference or not secret:
            return None
        back = value.get("back")
        back = back if isinstance(back, str) and back.startswith("/bookings/") else "/bookings"
        return {"reference": reference, "secret": secret, "back": back}
