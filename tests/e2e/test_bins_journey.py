"""The missed-bins journey end to end: a real gateway and the real bins
service in their own processes, a generated borough in PostgreSQL, over a
private vhost. JSON API and Open311 (XML and JSON)."""
import datetime as dt
import json
import subprocess
import sys
import time
import uuid
from xml.etree import ElementTree as ET

import jwt
import psycopg2
import pytest
import requests

from gateway.auth import hash_api_key
from services.kit import topology
from services.kit.migrate import migrate_service
from tests.conftest import database_url_for
from tests.support.stack import ROOT, Stack

SIGNING_KEY = "e2e-bins-signing-key-long-enough-for-hs256-tokens"
API_KEY = "th_e2e_open311_client_key"
# small rounds, so that every weekday has collections to report
BOROUGH_SIZE = 400


@pytest.fixture(scope="module")
def bins_db():
    url = database_url_for("e2e_bins_journey")
    migrate_service("bins", url)
    # COPY cannot run under eventlet's patched psycopg2: load in a process of its own
    subprocess.run([sys.executable, "-m", "services.bins.generator", "--size",
                    str(BOROUGH_SIZE), "--round-size", "20", "--database-url", url,
                    "--replace"],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)
    return url


@pytest.fixture(scope="module")
def stack(broker, bins_db, tmp_path_factory):
    topology.ensure(broker.uri)
    s = Stack(broker.uri, {"bins": bins_db}, tmp_path_factory.mktemp("logs"),
              GATEWAY_REDIS_PREFIX=f"townhall:e2e-bins:{broker.vhost}",
              AUTH_DEV_SIGNING_KEY=SIGNING_KEY,
              GATEWAY_SECRET_KEY="e2e-bins-secret",
              RATE_LIMIT_ANONYMOUS_WRITES="1000/minute",
              AUTH_API_KEYS=json.dumps([{"name": "e2e-open311", "sha256": hash_api_key(API_KEY),
                                         "roles": ["api_client"]}]))
    s.start("bins")
    s.start("gateway")
    try:
        # only bins runs here, so /healthz (which asks all four) would say 503
        s.wait_healthy("/api/v1/bins/addresses?postcode=SW1A1AA")
        yield s
    finally:
        s.stop_all()


def token(sub, roles):
    now = int(time.time())
    return {"Authorization": "Bearer " + jwt.encode(
        {"sub": sub, "roles": roles, "iss": "townhall-dev", "aud": "townhall-gateway",
         "iat": now, "exp": now + 600}, SIGNING_KEY, algorithm="HS256")}


SUPERVISOR = token("sup-e2e", ["supervisor"])


def call(stack, method, path, **kwargs):
    kwargs.setdefault("timeout", 10)
    return requests.request(method, stack.base_url + path, **kwargs)


def candidates(bins_db, limit=60):
    """(uprn, postcode, {service: (round_id, crew_id)}) for a spread of properties."""
    conn = psycopg2.connect(bins_db)
    try:
        with conn.cursor() as cur:
            cur.execute("""
                SELECT p.uprn, p.postcode,
                       json_object_agg(ps.service, json_build_array(r.id, r.crew_id))
                FROM properties p
                JOIN property_services ps USING (uprn)
                JOIN rounds r ON r.id = ps.round_id
                GROUP BY p.uprn, p.postcode ORDER BY md5(p.uprn) LIMIT %s""", (limit,))
            return cur.fetchall()
    finally:
        conn.close()


def reportable(stack, bins_db, wanted=2):
    """Collections a resident may report right now: a round still out gets
    marked complete by a supervisor, as the crew would."""
    found = []
    for uprn, postcode, rounds in candidates(bins_db):
        days = call(stack, "GET", f"/api/v1/bins/properties/{uprn}").json()
        for service in days["services"]:
            report = service["report"]
            if report["code"] == "crew_still_working":
                done = call(stack, "POST",
                            f"/api/v1/bins/crew/rounds/{service['round_id']}/complete",
                            json={"day": report["collection_date"]}, headers=SUPERVISOR)
                assert done.status_code == 200, done.text
                report["allowed"] = True
            if report["allowed"]:
                found.append({"uprn": uprn, "postcode": postcode,
                              "service": service["service"],
                              "round_id": service["round_id"],
                              "crew_id": rounds[service["service"]][1],
                              "next": service["next"],
                              "collection_date": report["collection_date"]})
                break
        if len(found) == wanted:
            return found
    pytest.fail("the generated borough has no collection that can be reported today")


@pytest.fixture(scope="module")
def targets(stack, bins_db):
    return reportable(stack, bins_db)


def test_addresses_bin_days_and_calendar(stack, targets):
    target = targets[0]
    found = call(stack, "GET", "/api/v1/bins/addresses",
                 params={"postcode": target["postcode"].lower().replace(" ", "")})
    assert found.status_code == 200
    assert target["uprn"] in [a["uprn"] for a in found.json()["addresses"]]

    days = call(stack, "GET", f"/api/v1/bins/properties/{target['uprn']}")
    assert days.status_code == 200
    assert days.json()["calendar_url"].endswith(
        f"/api/v1/bins/properties/{target['uprn']}/calendar.ics")

    feed = call(stack, "GET", f"/api/v1/bins/properties/{target['uprn']}/calendar.ics")
    assert feed.status_code == 200
    assert feed.headers["Content-Type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in feed.text

    assert call(stack, "GET", "/api/v1/bins/properties/000000000001").status_code == 404


def test_file_track_and_resolve_a_report_over_json(stack, targets):
    target = targets[0]
    body = {"uprn": target["uprn"], "service": target["service"]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    filed = call(stack, "POST", "/api/v1/bins/reports", json=body, headers=key)
    assert filed.status_code == 201, filed.text
    report, secret = filed.json()["report"], filed.json()["secret"]
    assert report["collection_date"] == target["collection_date"]

    replay = call(stack, "POST", "/api/v1/bins/reports", json=body, headers=key)
    assert replay.status_code == 201 and replay.json()["secret"] == secret

    again = call(stack, "POST", "/api/v1/bins/reports", json=body)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["report"]["reference"] == report["reference"]

    status = call(stack, "GET", f"/api/v1/bins/reports/{report['reference']}",
                  headers={"X-Resident-Secret": secret})
    assert status.status_code == 200 and status.json()["status"] == "open"
    assert call(stack, "GET", f"/api/v1/bins/reports/{report['reference']}",
                headers={"X-Resident-Secret": "wrong"}).status_code == 404
    # well formed, but its check digits are wrong
    assert call(stack, "GET", "/api/v1/bins/reports/MB-2222-10",
                headers={"X-Resident-Secret": secret}).status_code == 404

    crew = token(target["crew_id"], ["crew"])
    listed = call(stack, "GET", "/api/v1/bins/crew/reports", headers=crew,
                  params={"day": target["collection_date"]})
    assert listed.status_code == 200
    mine = [r for r in listed.json()["items"] if r["reference"] == report["reference"]]
    assert len(mine) == 1

    other = token("crew-nobody", ["crew"])
    refused = call(stack, "POST", f"/api/v1/bins/crew/reports/{mine[0]['id']}/resolution",
                   json={"outcome": "collected"}, headers=other)
    assert refused.status_code == 403

    resolved = call(stack, "POST", f"/api/v1/bins/crew/reports/{mine[0]['id']}/resolution",
                    json={"outcome": "collected"}, headers=crew)
    assert resolved.status_code == 200, resolved.text
    status = call(stack, "GET", f"/api/v1/bins/reports/{report['reference']}",
                  params={"secret": secret}).json()
    assert status["outcome"] == "collected"


def test_a_future_collection_is_422_with_the_rule(stack, targets):
    target = targets[0]
    if not target["next"]:
        pytest.skip("no upcoming collection for this service")
    response = call(stack, "POST", "/api/v1/bins/reports", json={
        "uprn": target["uprn"], "service": target["service"],
        "collection_date": target["next"][0]["date"]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "collection_not_due"
    assert error["message"].startswith("Your ")


def xml(response):
    assert response.headers["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def test_open311_in_both_formats(stack, targets):
    target = targets[1]
    code = f"missed-{target['service']}"
    services = xml(call(stack, "GET", "/open311/v2/services.xml"))
    assert code in [s.findtext("service_code") for s in services]
    assert code in [s["service_code"] for s in
                    call(stack, "GET", "/open311/v2/services.json").json()]
    definition = xml(call(stack, "GET", f"/open311/v2/services/{code}.xml"))
    assert [a.findtext("code") for a in definition.iter("attribute")] == [
        "uprn", "container", "collection_date"]

    form = {"service_code": code, "address_id": target["uprn"]}
    refused = call(stack, "POST", "/open311/v2/requests.xml", data=form)
    assert refused.status_code == 403
    assert xml(refused).find("error").findtext("code") == "403"

    filed = call(stack, "POST", "/open311/v2/requests.xml", data={**form, "api_key": API_KEY})
    assert filed.status_code == 200, filed.text
    request_id = xml(filed).find("request").findtext("service_request_id")

    if target["next"]:
        future = call(stack, "POST", "/open311/v2/requests.json", data={
            **form, "api_key": API_KEY,
            "attribute[collection_date]": target["next"][0]["date"]})
        assert future.status_code == 400
        assert future.json()[0]["description"].startswith("Your ")

    listed = call(stack, "GET", "/open311/v2/requests.json", params={
        "api_key": API_KEY, "status": "open", "service_code": code,
        "start_date": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).isoformat()})
    assert listed.status_code == 200, listed.text
    assert request_id in [r["service_request_id"] for r in listed.json()]

    one = xml(call(stack, "GET", f"/open311/v2/requests/{request_id}.xml",
                   params={"api_key": API_KEY}))
    assert one.find("request").findtext("status") == "open"
    assert one.find("request").findtext("address_id") == target["uprn"]

    crew = token(target["crew_id"], ["crew"])
    items = call(stack, "GET", "/api/v1/bins/crew/reports", headers=crew).json()["items"]
    report_id = next(r["id"] for r in items if r["reference"] == request_id)
    call(stack, "POST", f"/api/v1/bins/crew/reports/{report_id}/resolution",
         json={"outcome": "not_collected", "reason": "The road was closed"}, headers=crew)
    closed = call(stack, "GET", f"/open311/v2/requests/{request_id}.json",
                  params={"api_key": API_KEY}).json()[0]
    assert closed["status"] == "closed"
    assert "The road was closed" in closed["status_notes"]

    missing = call(stack, "GET", "/open311/v2/requests/MB-2222-10.xml",
                   params={"api_key": API_KEY})
    assert missing.status_code == 404
    assert xml(missing).find("error").findtext("code") == "404"
