import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.csrf import COOKIE, FIELD, Csrf, CsrfFailed


def form_request(data=None, cookie=None, headers=None):
    builder = EnvironBuilder(method="POST", path="/start", data=data or {},
                             headers=headers or {})
    if cookie is not None:
        builder.headers["Cookie"] = f"{COOKIE}={cookie}"
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
