import pytest

from services.bins.domain.postcodes import normalise


@pytest.mark.parametrize("typed, expected", [
    ("SW1A 1AA", "SW1A 1AA"),
    ("sw1a1aa", "SW1A 1AA"),
    ("  sw1a   1aa ", "SW1A 1AA"),
    ("m1 1ae", "M1 1AE"),
    ("B338TH", "B33 8TH"),
    ("cr2 6xh", "CR2 6XH"),
    ("DN55 1PT", "DN55 1PT"),
    ("zz1\t0aa", "ZZ1 0AA"),
])
def test_any_case_and_spacing_gives_the_royal_mail_form(typed, expected):
    assert normalise(typed) == expected


@pytest.mark.parametrize("typed", [
    "", "   ", "SW1A", "1AA", "SW1A 1A", "SW1A 1AAA", "SW1A-1AA", "123 456",
    "SW1A 1CA",  # C is never used in an inward code
    "ABC1 1AA", None, 12345,
])
def test_what_cannot_be_a_postcode_is_refused(typed):
    assert normalise(typed) is None
