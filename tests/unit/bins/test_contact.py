import pytest

from services.bins.domain.contact import missing_for, normalise_mobile, preferred_channel


@pytest.mark.parametrize("typed", [
    "07700900123", "07700 900 123", " 07700 900123 ", "07700-900-123",
    "+447700900123", "+44 7700 900 123", "+44 (0)7700 900123", "0044 7700 900123",
    "(07700) 900123",
])
def test_a_uk_mobile_number_however_typed_is_kept_as_plus_44(typed):
    assert normalise_mobile(typed) == "+447700900123"


@pytest.mark.parametrize("typed", [
    "", "01632 960 001", "020 7946 0000", "0800 123 4567",  # not mobiles
    "7700 900123", "447700900123",  # no 0 and no +44
    "07700 90012", "07700 9001234",  # a digit short or over
    "+33 6 12 34 56 78", "+1 202 555 0100",  # not UK
    "07700 900 12x", "０７７００９００１２３", None, 7700900123,
])
def test_anything_else_is_not_a_uk_mobile_number(typed):
    assert normalise_mobile(typed) is None


def test_the_channel_is_the_one_asked_for_else_email_else_sms():
    assert preferred_channel("a@example.com", "+447700900123", "sms") == "sms"
    assert preferred_channel("a@example.com", "+447700900123") == "email"
    assert preferred_channel(None, "+447700900123") == "sms"
    assert preferred_channel(None, None) is None


def test_the_chosen_channel_needs_its_address():
    assert missing_for("sms", "a@example.com", None) == "phone"
    assert missing_for("email", None, "+447700900123") == "email"
    assert missing_for("email", "a@example.com", None) is None
    assert missing_for(None, None, None) is None
