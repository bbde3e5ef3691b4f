"""Routing errors, body limits, JSON errors, headers: the same for every route."""
import json
import socket

import pytest

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options",
                    "Referrer-Policy", "X-Frame-Options", "Permissions-Policy")


def assert_error_shape(response, status, code):
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.text
    return body["error"]


def test_unknown_route_is_a_json_404(gateway):
    assert_error_shape(gateway.get("/no/such/thing"), 404, "not_found")


def test_wrong_method_is_405_with_allow(gateway):
    response = gateway.request("DELETE", "/api/v1/echo")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    options = gateway.request("OPTIONS", "/api/v1/echo")
    assert options.status_code == 204 and "POST" in options.headers["Allow"]


def test_body_over_the_limit_is_413_by_content_length(gateway):
    # MAX_BODY_BYTES is 1024 in these tests
    response = gateway.post("/api/v1/echo", data=json.dumps({"message": "x" * 2000}),
                            headers={"Content-Type": "application/json"})
    assert_error_shape(response, 413, "payload_too_large")


def test_body_over_the_limit_is_413_without_content_length(gateway):
    # a chunked body announces no length: the read itself is capped
    def chunks():
        for _ in range(20):
            yield b"x" * 100

    response = gateway.post("/api/v1/echo", data=chunks(),
                            headers={"Content-Type": "application/json"})
    assert_error_shape(response, 413, "payload_too_large")


def test_lying_content_length_reads_no_more_than_announced(gateway):
    # announces 10 bytes but sends more: only 10 are read, which is bad JSON
    with socket.create_connection(("127.0.0.1", int(gateway.url.rsplit(":", 1)[1])),
                                  timeout=5) as sock:
        sock.sendall(b"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n"
                     + b'{"message": "' + b"y" * 5000 + b'"}')
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("data, code", [
    (b"{not json", "invalid_json"),
    (b"", "invalid_json"),
    (b"\xff\xfe", "invalid_json"),
])
def test_malformed_json_is_400(gateway, data, code):
    response = gateway.post("/api/v1/echo", data=data,
                            headers={"Content-Type": "application/json"})
    assert_error_shape(response, 400, code)


def test_wrong_content_type_is_415(gateway):
    response = gateway.post("/api/v1/echo", data="message=hi",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error_shape(response, 415, "unsupported_media_type")


def test_invalid_fields_are_named_in_plain_words(gateway):
    response = gateway.post("/api/v1/echo", json={"message": "", "colour": "red"})
    error = assert_error_shape(response, 400, "validation_error")
    assert error["fields"] == {"message": ["Enter a message"],
                               "colour": ["This field is not recognised"]}


def test_every_response_carries_security_headers_and_a_request_id(gateway):
    for response in (gateway.get("/livez"), gateway.get("/nope"), gateway.get("/"),
                     gateway.post("/api/v1/echo", data=b"{")):
        for name in SECURITY_HEADERS:
            assert response.headers.get(name), (response.url, name)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Request-Id"]
        assert "Strict-Transport-Security" not in response.headers
    assert gateway.get("/livez").headers["Cache-Control"] == "no-store"


def test_hsts_when_configured(start_gateway):
    gw = start_gateway(HSTS_SECONDS=31536000)
    assert gw.get("/livez").headers["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains"


def test_a_well_formed_request_id_is_echoed_and_a_bad_one_replaced(gateway):
    given = "req-0123456789abcdef"
    assert gateway.get("/livez", headers={"X-Request-Id": given}).headers["X-Request-Id"] == given
    replaced = gateway.get("/livez", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"]
    assert replaced != "<script>" and len(replaced) == 36


def test_livez_answers_without_any_service(gateway):
    response = gateway.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_browsers_get_an_html_404(gateway):
    response = gateway.get("/no/such/page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Page not found" in response.text
    # the API stays JSON whatever the client accepts
    api = gateway.get("/api/v1/nothing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
