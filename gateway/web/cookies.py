"""Signed cookies: the flash cookie that carries a value across one
redirect (each journey's own cookies, in its package, sign the same way)."""
from itsdangerous import BadData, URLSafeTimedSerializer


class Flash:
    """Carries a value across one redirect in a signed, short-lived cookie,
    so that it need not travel in the URL, and so stay in browser history."""

    def __init__(self, secret_key, *, secure_cookie=False, max_age=600):
        self.serializer = URLSafeTimedSerializer(secret_key, salt="townhall-flash")
        self.secure_cookie = secure_cookie
        self.max_age = max_age

    def attach(self, response, name, value, path):
        response.set_cookie(f"flash_{name}", self.serializer.dumps(value),
                            max_age=self.max_age, httponly=True, samesite="Lax",
                            secure=self.secure_cookie, path=path)
        return response

    def clear(self, response, request, name, path):
        """Drops the cookie once its value is shown: not again on a reload."""
        if f"flash_{name}" in request.cookies:
            response.delete_cookie(f"flash_{name}", path=path, httponly=True,
                                   samesite="Lax", secure=self.secure_cookie)
        return response

    def read(self, request, name):
        raw = request.cookies.get(f"flash_{name}")
        if not raw or len(raw) > 2048:
            return None
        try:
            return self.serializer.loads(raw, max_age=self.max_age)
        except BadData:
            return None
