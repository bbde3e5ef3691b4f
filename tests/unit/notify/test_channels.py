"""Which channel to try, what to fall back to, and what a failed send means."""
import math

import pytest

from services.notify.domain.channels import (
    BACKOFF_CAP_SECONDS, RETRY_AFTER_CAP_SECONDS, Contact, Failure, backoff, choose, classify)

MAIL, PHONE = "sam@example.com", "07700 900982"


@pytest.mark.parametrize("email, phone, preferred, safe, order", [
    # Preferred first, then the other address we have.
    (MAIL, PHONE, "email", False, ["email", "sms"]),
    (MAIL, PHONE, "sms", False, ["sms", "email"]),
    (MAIL, None, "email", False, ["email"]),
    (None, PHONE, "sms", False, ["sms"]),
    # No address for the preferred channel: the other one is all we have.
    (None, PHONE, "email", False, ["sms"]),
    (MAIL, "  ", "sms", False, ["email"]),
    # Nothing to send to, or they asked for nothing.
    (None, None, "email", False, []),
    ("", " ", "sms", False, []),
    (MAIL, PHONE, "none", False, []),
    (MAIL, PHONE, "none", True, []),
    # One safe channel: never a fallback.
    (MAIL, PHONE, "email", True, ["email"]),
    (MAIL, PHONE, "sms", True, ["sms"]),
    (None, PHONE, "email", True, []),
    (MAIL, None, "sms", True, []),
])
def test_choose(email, phone, preferred, safe, order):
    assert choose(Contact(email, phone, preferred, safe_channel_only=safe)) == order


def test_contact():
    contact = Contact(f"  {MAIL} ", "", "email")
    assert contact.safe_channel_only is False
    assert (contact.address("email"), contact.address("sms")) == (MAIL, None)
    with pytest.raises(ValueError) as caught:
        contact.address("letter")
    assert str(caught.value) == "'letter' is not a channel; use email or sms"
    with pytest.raises(ValueError) as caught:
        Contact(MAIL, None, "post")
    assert str(caught.value) == "preferred must be email, sms or none, not 'post'"
    with pytest.raises(AttributeError):
        contact.preferred = "sms"


P, T = Failure.PERMANENT, Failure.TEMPORARY


@pytest.mark.parametrize("kwargs, kind", [
    # Notify's API errors by name.
    ({"status_code": 400, "error_name": "ValidationError"}, P),
    ({"status_code": 400, "error_name": "BadRequestError"}, P),
    ({"status_code": 429, "error_name": "RateLimitError"}, T),
    ({"status_code": 429, "error_name": "TooManyRequestsError"}, T),
    ({"status_code": 403, "error_name": "AuthError"}, T),
    ({"status_code": 500, "error_name": "Exception"}, T),
    # Delivery statuses from Notify's callbacks.
    ({"error_name": "permanent-failure"}, P),
    ({"error_name": "temporary-failure"}, T),
    ({"error_name": "technical-failure"}, T),
    # The status alone.
    ({"status_code": 400}, P),
    ({"status_code": 404}, P),
    ({"status_code": 413}, P),
    ({"status_code": 401}, T),
    ({"status_code": 403}, T),
    ({"status_code": 408}, T),
    ({"status_code": 429}, T),
    ({"status_code": 500}, T),
    ({"status_code": 502}, T),
    ({"status_code": 503}, T),
    ({"status_code": 504}, T),
    # No answer at all.
    ({"timeout": True}, T),
    ({"timeout": True, "status_code": 400, "error_name": "ValidationError"}, T),
    ({}, T),
    ({"error_name": "SomethingNew"}, T),
    ({"error_name": "SomethingNew", "status_code": 422}, P),
])
def test_classify(kwargs, kind):
    assert classify(**kwargs) is kind


def test_failure_kinds_are_their_names():
    assert [f.value for f in Failure] == ["permanent", "temporary"]
    assert Failure.PERMANENT == "permanent" and str(Failure.TEMPORARY) == "temporary"


@pytest.mark.parametrize("status", [200, 302, 399, "500", True, 400.0])
def test_classify_needs_an_error_status(status):
    with pytest.raises(ValueError):
        classify(status_code=status)


@pytest.mark.parametrize("attempt, seconds", [
    (1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 320), (7, 640), (8, 1280),
    (9, 2560), (10, 3600), (11, 3600), (50, 3600), (10_000, 3600),
])
def test_backoff_doubles_up_to_a_cap(attempt, seconds):
    assert backoff(attempt) == seconds
    assert isinstance(backoff(attempt), float)
    assert BACKOFF_CAP_SECONDS == 3600


@pytest.mark.parametrize("attempt, retry_after, seconds", [
    (1, 30, 30),         # the server asked for longer than we would wait
    (6, 5, 5),           # or shorter: it knows its own limits
    (1, "120", 120),     # the header as it comes
    (1, " 7 ", 7),
    (1, 0, 0),
    (1, 2.5, 2.5),
    (1, 10 ** 9, RETRY_AFTER_CAP_SECONDS),  # a broken header does not park a message for years
    (3, None, 40),
    (3, "Wed, 21 Oct 2026 07:28:00 GMT", 40),  # an HTTP-date is the caller's to convert
    (3, "soon", 40),
    (3, -5, 40),
    (3, math.nan, 40),
    (3, True, 40),
])
def test_backoff_honours_retry_after(attempt, retry_after, seconds):
    assert backoff(attempt, retry_after) == seconds


@pytest.mark.parametrize("attempt", [0, -1, 1.5, "1", True, None])
def test_backoff_needs_an_attempt_number(attempt):
    with pytest.raises(ValueError):
        backoff(attempt)
