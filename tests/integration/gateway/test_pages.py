"""Resident pages: GOV.UK layout, CSRF on forms, assets, API docs."""
import re

import requests
from openapi_spec_validator import validate


def csrf_token_from(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_home_page_uses_the_govuk_layout(gateway):
    response = gateway.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert '<html lang="en-GB" class="govuk-template">' in html
    assert 'href="#main-content"' in html and "Skip to main content" in html
    assert 'id="main-content"' in html
    assert '<link rel="stylesheet" href="/assets/govuk-frontend.min.css">' in html
    for href in ("/bins", "/bins/missed", "/housing/help", "/bookings", "/start"):
        assert f'href="{href}"' in html
    # the one inline script carries the nonce the CSP allows
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert html.count(f'nonce="{nonce}"') == 2
    assert "<script>" not in html.replace(f'<script nonce="{nonce}">', "")


def test_service_name_is_in_the_service_navigation(gateway):
    html = gateway.get("/").text
    nav = html[html.index("govuk-service-navigation"):]
    assert "Townhall" in nav[:1500]


def test_form_with_a_valid_token_is_accepted(gateway):
    browser = requests.Session()
    page = browser.get(gateway.url + "/start")
    assert page.status_code == 200
    assert "townhall_csrf" in browser.cookies
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    response = browser.post(gateway.url + "/start", allow_redirects=False, data={
        "csrf_token": csrf_token_from(page.text), "need": "missed-bin"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/bins/missed")


def test_form_without_a_token_is_403_in_plain_english(gateway):
    browser = requests.Session()
    browser.get(gateway.url + "/start")
    response = browser.post(gateway.url + "/start", data={"need": "missed-bin"},
                            allow_redirects=False)
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Your form could not be sent" in response.text
    assert "refresh the page and try again" in response.text


def test_a_token_from_another_browser_is_403(gateway):
    attacker, victim = requests.Session(), requests.Session()
    token = csrf_token_from(attacker.get(gateway.url + "/start").text)
    victim.get(gateway.url + "/start")
    response = victim.post(gateway.url + "/start",
                           data={"csrf_token": token, "need": "missed-bin"},
                           allow_redirects=False)
    assert response.status_code == 403


def test_a_missing_answer_shows_the_error_summary(gateway):
    browser = requests.Session()
    token = csrf_token_from(browser.get(gateway.url + "/start").text)
    response = browser.post(gateway.url + "/start", data={"csrf_token": token})
    assert response.status_code == 400
    assert "<title>Error: What do you need to do?" in response.text
    assert "govuk-error-summary" in response.text
    assert "Select what you need to do" in response.text
    assert 'href="#need"' in response.text


def test_assets_are_served_with_caching(gateway):
    css = gateway.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "max-age" in css.headers["Cache-Control"]
    font = gateway.get("/assets/fonts/bold-b542beb274-v2.woff2")
    assert font.status_code == 200
    assert gateway.get("/assets/../config.yaml").status_code == 404
    assert gateway.get("/assets/nothing.css").status_code == 404


def test_pages_render_without_the_assets(start_gateway, tmp_path):
    gw = start_gateway(ASSETS_DIR=str(tmp_path))
    assert gw.get("/assets/govuk-frontend.min.css").status_code == 404
    page = gw.get("/")
    assert page.status_code == 200 and "Council services online" in page.text


def test_openapi_document_is_valid_and_lists_echo(gateway):
    response = gateway.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    validate(doc)
    assert "post" in doc["paths"]["/api/v1/echo"]
    assert doc["paths"]["/api/v1/ops/parked"]["get"]["x-roles"] == ["supervisor"]


def test_api_docs_page_is_readable_html(gateway):
    response = gateway.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.text
    assert "API reference" in html and "<script src" not in html
    assert "/api/v1/echo" in html
    assert "<code>message</code>" in html and "at most 500 characters" in html
