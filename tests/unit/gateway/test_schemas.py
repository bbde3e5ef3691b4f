import pytest

from gateway.api.schemas.operations import (EchoRequestSchema, EchoResponseSchema,
                                            ParkedMessageSchema)
from gateway.pages.start.forms import StartFormSchema
from gateway.web.schemas import GatewaySchema, PageQuerySchema, Postcode


class AddressSchema(GatewaySchema):
    postcode = Postcode(required=True)


@pytest.mark.parametrize("given, expected", [
    ("SW1A 1AA", "SW1A 1AA"), ("sw1a1aa", "SW1A 1AA"), (" m1  1ae ", "M1 1AE"),
    ("B33 8TH", "B33 8TH"), ("cr26xh", "CR2 6XH"), ("DN55 1PT", "DN55 1PT"),
])
def test_postcodes_are_normalised(given, expected):
    assert AddressSchema().load({"postcode": given}) == {"postcode": expected}


@pytest.mark.parametrize("given", ["SW1A", "12345", "SW1A 1A", "", 42, "SW1A 1AAA"])
def test_bad_postcodes_are_named_in_plain_words(given):
    assert AddressSchema().validate({"postcode": given}) == {
        "postcode": ["Enter a full postcode, like SW1A 1AA"]}


def test_missing_postcode():
    assert AddressSchema().validate({}) == {"postcode": ["Enter a postcode"]}


def test_echo_request():
    assert EchoRequestSchema().load({"message": "  hello "}) == {"message": "hello"}
    assert EchoRequestSchema().validate({}) == {"message": ["Enter a message"]}
    assert EchoRequestSchema().validate({"message": "   "}) == {"message": ["Enter a message"]}
    assert EchoRequestSchema().validate({"message": None}) == {"message": ["Enter a message"]}
    assert EchoRequestSchema().validate({"message": 5}) == {"message": ["Enter text"]}
    assert EchoRequestSchema().validate({"message": "x" * 501}) == {
        "message": ["Message must be 500 characters or fewer"]}
    assert EchoRequestSchema().validate({"message": "x" * 500}) == {}


def test_unknown_fields_and_non_objects_are_refused():
    assert EchoRequestSchema().validate({"message": "hi", "extra": 1}) == {
        "extra": ["This field is not recognised"]}
    assert EchoRequestSchema().validate(["hi"]) == {"_schema": ["Send a JSON object"]}


def test_echo_response_keeps_only_declared_fields():
    import datetime as dt
    dumped = EchoResponseSchema().dump({
        "message": "hi", "service": "bins", "secret": "x",
        "received_at": dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)})
    assert dumped == {"message": "hi", "service": "bins",
                      "received_at": "2030-01-02T03:04:05+00:00"}


def test_page_size_is_capped():
    assert PageQuerySchema().load({}) == {"limit": 100}
    assert PageQuerySchema().load({"limit": "20"}) == {"limit": 20}
    assert PageQuerySchema().validate({"limit": "1000"}) == {
        "limit": ["Ask for between 1 and 100 items"]}
    assert PageQuerySchema().validate({"limit": "lots"}) == {
        "limit": ["Enter a whole number, like 20"]}


def test_parked_message_accepts_strings_or_datetimes():
    import datetime as dt
    when = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    assert ParkedMessageSchema().dump({"parked_at": when})["parked_at"] == when.isoformat()
    assert ParkedMessageSchema().dump({"parked_at": "2030-01-01T00:00:00Z"})["parked_at"] == \
        "2030-01-01T00:00:00Z"


def test_start_form():
    assert StartFormSchema().load({"need": "missed-bin"}) == {"need": "missed-bin"}
    assert StartFormSchema().validate({}) == {"need": ["Select what you need to do"]}
    assert StartFormSchema().validate({"need": "hack"}) == {"need": ["Select what you need to do"]}
