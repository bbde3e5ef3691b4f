from types import SimpleNamespace

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.web.handler import GatewayHandler
from gateway.web.requests import (anonymous_identity, client_ip, correlation_id_for,
                                  resident_secret)


def make_request(**kwargs):
    return Request(EnvironBuilder(**kwargs).get_environ())


def test_resident_secret_from_header_query_or_form():
    assert resident_secret(make_request(headers={"X-Resident-Secret": " s1 "})) == "s1"
    assert resident_secret(make_request(query_string="secret=s2")) == "s2"
    assert resident_secret(make_request(method="POST", data={"secret": "s3"})) == "s3"
    # the header wins over the query string
    assert resident_secret(make_request(query_string="secret=q",
                                        headers={"X-Resident-Secret": "h"})) == "h"
    assert resident_secret(make_request()) is None
    assert resident_secret(make_request(query_string="secret=" + "x" * 300)) is None


def test_forwarded_for_counts_only_behind_trusted_proxies():
    request = make_request(headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"},
                           environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert client_ip(request, 0) == "10.0.0.2"
    assert client_ip(request, 1) == "203.0.113.9"
    assert client_ip(request, 2) == "6.6.6.6"
    assert client_ip(request, 3) == "10.0.0.2"


def test_correlation_ids():
    given = make_request(headers={"X-Request-Id": "abcdef12-3456"}).environ
    assert correlation_id_for(given) == "abcdef12-3456"
    for bad in ("short", "x" * 200, "has space in it", "<script>alert(1)</script>"):
        environ = make_request(headers={"X-Request-Id": bad}).environ
        cid = correlation_id_for(environ)
        assert cid != bad and len(cid) == 36
        assert correlation_id_for(environ) == cid  # stable within one request


def test_anonymous_ipv6_clients_are_keyed_by_their_slash_64():
    # every address of one /64 is one client: rotating within it gains nothing
    first = anonymous_identity("2001:db8:aa:bb::1")
    assert first == "ip:2001:db8:aa:bb::/64"
    assert anonymous_identity("2001:DB8:AA:BB:ffff:1234:5678:9abc") == first
    assert anonymous_identity("2001:db8:aa:bc::1") != first
    assert anonymous_identity("fe80::1%eth0") == "ip:fe80::/64"
    # IPv4, also when written as IPv6, stays one address
    assert anonymous_identity("203.0.113.9") == "ip:203.0.113.9"
    assert anonymous_identity("::ffff:203.0.113.9") == "ip:203.0.113.9"
    assert anonymous_identity("203.0.113.10") != "ip:203.0.113.9"
    assert anonymous_identity("unknown") == "ip:unknown"
    # and that is what rate limits and idempotency records count by
    request = SimpleNamespace(principal=None, client_ip="2001:db8:aa:bb:1:2:3:4")
    assert GatewayHandler._identity(request) == first
