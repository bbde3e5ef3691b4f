import logging

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway.web.csrf import COOKIE, FIELD, Csrf, CsrfFailed, secret_or_random


def form_request(data=None, cookie=None, headers=None, name=COOKIE):
    builder = EnvironBuilder(method="POST", path="/start", data=data or {},
                             headers=headers or {})
    if cookie is not None:
        builder.headers["Cookie"] = f"{name}={cookie}"
    return Request(builder.get_environ())


@pytest.fixture
def csrf():
    return Csrf("unit-test-secret")


def test_a_token_from_a_page_is_accepted_with_its_cookie(csrf):
    field, cookie = csrf.token_for(form_request())
    assert cookie and field != cookie
    csrf.verify(form_request({FIELD: field, "need": "x"}, cookie=cookie))


def test_an_existing_cookie_is_reused(csrf):
    _, cookie = csrf.token_for(form_request())
    field, new_cookie = csrf.token_for(form_request(cookie=cookie))
    assert new_cookie is None
    csrf.verify(form_request({FIELD: field}, cookie=cookie))


@pytest.mark.parametrize("case", ["no-token", "no-cookie", "other-cookie", "forged",
                                  "other-secret"])
def test_forms_without_a_valid_token_are_refused(csrf, case):
    field, cookie = csrf.token_for(form_request())
    other_field, other_cookie = csrf.token_for(form_request())
    data, jar = {FIELD: field}, cookie
    if case == "no-token":
        data = {}
    elif case == "no-cookie":
        jar = None
    elif case == "other-cookie":
        jar = other_cookie
    elif case == "forged":
        data = {FIELD: cookie}
    elif case == "other-secret":
        data = {FIELD: Csrf("another-secret").token_for(form_request(cookie=cookie))[0]}
    with pytest.raises(CsrfFailed) as info:
        csrf.verify(form_request(data, cookie=jar))
    assert info.value.status == 403


def test_expired_tokens_are_refused():
    csrf = Csrf("unit-test-secret", max_age=-1)
    field, cookie = csrf.token_for(form_request())
    with pytest.raises(CsrfFailed):
        csrf.verify(form_request({FIELD: field}, cookie=cookie))


def test_json_with_bearer_or_without_cookies_is_exempt(csrf):
    def json_request(headers):
        return Request(EnvironBuilder(method="POST", path="/x", json={"a": 1},
                                      headers=headers).get_environ())

    csrf.verify(json_request({}))
    csrf.verify(json_request({"Authorization": "Bearer abc", "Cookie": "a=b"}))
    with pytest.raises(CsrfFailed):
        csrf.verify(json_request({"Cookie": "a=b"}))


def test_plain_cookie_name_over_http(csrf):
    response = Response()
    csrf.set_cookie(response, "v" * 43)
    header = response.headers["Set-Cookie"]
    assert header.startswith("townhall_csrf=") and "Secure" not in header


def test_secure_cookies_use_the_host_prefix():
    csrf = Csrf("unit-test-secret", secure_cookie=True)
    response = Response()
    csrf.set_cookie(response, "v" * 43)
    header = response.headers["Set-Cookie"]
    # what browsers require of a __Host- cookie: Secure, Path=/, no Domain
    assert header.startswith("__Host-townhall_csrf=")
    assert "Secure" in header and "Path=/" in header and "Domain" not in header

    field, cookie = csrf.token_for(form_request())
    csrf.verify(form_request({FIELD: field}, cookie=cookie, name="__Host-townhall_csrf"))
    # a cookie under the bare name, as a sibling subdomain could set, is not read
    assert csrf.token_for(form_request(cookie=cookie))[1] is not None
    with pytest.raises(CsrfFailed):
        csrf.verify(form_request({FIELD: field}, cookie=cookie))


def test_without_secret_key_a_random_one_is_used_with_a_warning(caplog):
    assert secret_or_random("configured") == "configured"
    assert not caplog.records
    with caplog.at_level(logging.WARNING, logger="gateway.csrf"):
        first, second = secret_or_random(""), secret_or_random(None)
    assert len(first) >= 32 and first != second
    assert len(caplog.records) == 2
    assert "restart" in caplog.records[0].getMessage()


def test_flash_round_trips_and_refuses_tampering_and_expiry():
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request, Response

    from gateway.web.cookies import Flash

    flash = Flash("k" * 48, secure_cookie=True, max_age=600)
    response = flash.attach(Response(), "tracking", {"secret": "s3"}, path="/bins/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "Path=/bins/" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]

    def request_with(raw):
        return Request(EnvironBuilder(headers={"Cookie": f"flash_tracking={raw}"}).get_environ())

    assert flash.read(request_with(value), "tracking") == {"secret": "s3"}
    assert flash.read(request_with(value[:-2] + "xx"), "tracking") is None
    assert Flash("k" * 48, max_age=-1).read(request_with(value), "tracking") is None


def test_a_page_is_never_exempt_even_with_the_sign_in_proxys_token(csrf):
    # A cross-site fetch with no body and the proxy-added bearer token.
    bodiless = Request(EnvironBuilder(method="POST", path="/staff/housing/cases/x/assign",
                                      headers={"Authorization": "Bearer abc",
                                               "Cookie": "a=b"}).get_environ())
    csrf.verify(bodiless)  # the JSON API's rule would let it through
    with pytest.raises(CsrfFailed):
        csrf.verify(bodiless, exempt_json=False)
