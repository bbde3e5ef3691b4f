"""How a resident asks to be told what happens to a missed-bin report, at
each filing boundary of a real gateway (bins faked in memory): the JSON API,
the resident form and Open311."""
import re
from html import unescape

import pytest

from tests.integration.gateway.conftest import API_KEY
from tests.integration.gateway.fake_bins import UPRN
from tests.integration.gateway.test_bins_open311 import errors_of
from tests.integration.gateway.test_bins_pages import Browser, assert_error_pattern

EMAIL, PHONE = "sam@example.com", "+447700900123"


def filings(bins_state):
    return [c for c in bins_state.calls if c["method"] == "file_report"]


# --- JSON API ---

def file(gw, **body):
    return gw.post("/api/v1/bins/reports", json={"uprn": UPRN, "service": "refuse", **body})


def test_the_api_hands_contact_details_to_the_service_normalised(bins, bins_state):
    response = file(bins, email=f" {EMAIL} ", phone="07700 900 123", preferred="sms")
    assert response.status_code == 201
    call = bins_state.last("file_report")
    assert (call["email"], call["phone"], call["preferred"]) == (EMAIL, PHONE, "sms")
    # the answer does not repeat them
    assert EMAIL not in response.text and "7700" not in response.text


def test_the_api_leaves_the_default_channel_to_the_service(bins, bins_state):
    # the bins service chooses when the resident did not (email, else sms)
    assert file(bins, email=EMAIL, phone="+44 7700 900123").status_code == 201
    call = bins_state.last("file_report")
    assert (call["email"], call["phone"], call["preferred"]) == (EMAIL, PHONE, None)


def test_no_contact_details_send_none(bins, bins_state):
    assert file(bins).status_code == 201
    call = bins_state.last("file_report")
    assert (call["email"], call["phone"], call["preferred"]) == (None, None, None)


@pytest.mark.parametrize("body, field, message", [
    ({"email": "sam.example.com"}, "email",
     "Enter an email address in the correct format, like name@example.com"),
    ({"phone": "01632 960 001"}, "phone",
     "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982"),
    ({"preferred": "sms", "email": EMAIL}, "phone",
     "Enter a UK mobile number to be told by text message"),
    ({"preferred": "email", "phone": "07700 900123"}, "email",
     "Enter an email address to be told by email"),
    ({"preferred": "post"}, "preferred", "Choose email or sms (a text message)"),
])
def test_bad_contact_details_are_400_naming_the_field(bins, bins_state, body, field,
                                                      message):
    response = file(bins, **body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}
    assert not filings(bins_state) and not bins_state.reports


# --- the resident form ---

def test_the_form_offers_the_optional_contact_question(bins):
    html = Browser(bins).get(f"/bins/missed/property/{UPRN}").text
    assert "How should we tell you what happens?" in html
    email = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    assert 'type="email"' in email and 'autocomplete="email"' in email
    assert 'spellcheck="false"' in email
    phone = re.search(r'<input[^>]*id="phone"[^>]*>', html).group(0)
    assert 'type="tel"' in phone and 'autocomplete="tel"' in phone
    # revealed by the radios, as GOV.UK conditional questions are
    assert 'data-aria-controls="conditional-preferred"' in html
    assert 'data-aria-controls="conditional-preferred-2"' in html


def test_the_form_sends_the_chosen_channel_only(bins, bins_state):
    browser = Browser(bins)
    browser.get(f"/bins/missed/property/{UPRN}")
    # without JavaScript both boxes show; only the chosen one's is used
    done = browser.submit(f"/bins/missed/property/{UPRN}", service="refuse",
                          preferred="sms", phone="07700 900 123", email="other@example.com")
    assert done.status_code == 200 and "/bins/missed/confirmation/MB-" in done.url
    call = bins_state.last("file_report")
    assert (call["email"], call["phone"], call["preferred"]) == (None, PHONE, "sms")
    assert call["channel"] == "web"


def test_the_form_without_contact_details_sends_none(bins, bins_state):
    browser = Browser(bins)
    browser.get(f"/bins/missed/property/{UPRN}")
    browser.submit(f"/bins/missed/property/{UPRN}", service="refuse", preferred="none",
                   email=EMAIL)
    call = bins_state.last("file_report")
    assert (call["email"], call["phone"], call["preferred"]) == (None, None, None)


@pytest.mark.parametrize("data, field, message", [
    ({"preferred": "email"}, "email", "Enter your email address"),
    ({"preferred": "email", "email": "sam@"}, "email",
     "Enter an email address in the correct format, like name@example.com"),
    ({"preferred": "sms"}, "phone", "Enter your UK mobile number"),
    ({"preferred": "sms", "phone": "020 7946 0000"}, "phone",
     "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982"),
])
def test_the_form_names_a_missing_or_bad_detail(bins, bins_state, data, field, message):
    browser = Browser(bins)
    browser.get(f"/bins/missed/property/{UPRN}")
    page = browser.submit(f"/bins/missed/property/{UPRN}", service="refuse", **data)
    assert page.status_code == 400
    assert_error_pattern(page.text, field, message)
    assert not filings(bins_state)
    # the answers are kept, and the box with the error is revealed
    assert re.search(r'value="refuse" checked', page.text)
    assert re.search(rf'value="{data["preferred"]}" checked', page.text)
    if data.get(field):
        assert f'value="{data[field]}"' in unescape(page.text)


def test_a_refusal_keeps_the_contact_answers(bins):
    browser = Browser(bins)
    browser.get(f"/bins/missed/property/{UPRN}")
    page = browser.submit(f"/bins/missed/property/{UPRN}", service="garden",
                          preferred="email", email=EMAIL)
    assert page.status_code == 422
    assert re.search(r'value="email" checked', page.text)
    assert f'value="{EMAIL}"' in page.text


# --- Open311 ---

def new_request(gw, fmt="xml", **fields):
    return gw.post(f"/open311/v2/requests.{fmt}", data={
        "service_code": "missed-refuse", "address_id": UPRN, "api_key": API_KEY, **fields})


def test_open311_email_and_phone_are_handed_on(bins, bins_state):
    response = new_request(bins, email=EMAIL, phone="+44 7700 900123",
                           first_name="Sam", last_name="Example")
    assert response.status_code == 200
    call = bins_state.last("file_report")
    # Open311 has no choice of channel: the bins service chooses
    assert (call["email"], call["phone"], call["preferred"]) == (EMAIL, PHONE, None)
    assert call["channel"] == "open311"
    bins_state.reset()
    assert new_request(bins, "json", phone="07700900123").status_code == 200
    call = bins_state.last("file_report")
    assert (call["email"], call["phone"], call["preferred"]) == (None, PHONE, None)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_open311_bad_contact_details_are_400_naming_each(bins, bins_state, fmt):
    response = new_request(bins, fmt, email="not an address", phone="01632 960 001")
    assert response.status_code == 400
    descriptions = [d for _, d in errors_of(response, fmt)]
    assert [d.split(":")[0] for d in descriptions] == ["email", "phone"]
    assert "UK mobile number" in descriptions[1]
    assert not filings(bins_state)
