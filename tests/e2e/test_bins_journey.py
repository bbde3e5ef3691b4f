"""The missed-bins journey end to end: a real gateway and the real bins
service in their own processes, a generated borough in PostgreSQL, over a
private vhost. JSON API and Open311 (XML and JSON)."""
import datetime as dt
import uuid
from xml.etree import ElementTree as ET

import pytest

from tests.support.bins_stack import API_KEY, call, reportable


@pytest.fixture(scope="module")
def targets(journey_stack, journey_db):
    return reportable(journey_stack, journey_db)


def test_addresses_bin_days_and_calendar(journey_stack, targets):
    target = targets[0]
    found = call(journey_stack, "GET", "/api/v1/bins/addresses",
                 params={"postcode": target["postcode"].lower().replace(" ", "")})
    assert found.status_code == 200
    assert target["uprn"] in [a["uprn"] for a in found.json()["addresses"]]

    days = call(journey_stack, "GET", f"/api/v1/bins/properties/{target['uprn']}")
    assert days.status_code == 200
    assert days.json()["calendar_url"].endswith(
        f"/api/v1/bins/properties/{target['uprn']}/calendar.ics")

    feed = call(journey_stack, "GET", f"/api/v1/bins/properties/{target['uprn']}/calendar.ics")
    assert feed.status_code == 200
    assert feed.headers["Content-Type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in feed.text

    assert call(journey_stack, "GET", "/api/v1/bins/properties/000000000001").status_code == 404


def test_file_track_and_resolve_a_report_over_json(journey_stack, targets):
    target = targets[0]
    body = {"uprn": target["uprn"], "service": target["service"]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    filed = call(journey_stack, "POST", "/api/v1/bins/reports", json=body, headers=key)
    assert filed.status_code == 201, filed.text
    report, secret = filed.json()["report"], filed.json()["secret"]
    assert report["collection_date"] == target["collection_date"]

    replay = call(journey_stack, "POST", "/api/v1/bins/reports", json=body, headers=key)
    assert replay.status_code == 201 and replay.json()["secret"] == secret

    again = call(journey_stack, "POST", "/api/v1/bins/reports", json=body)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["report"]["reference"] == report["reference"]

    status = call(journey_stack, "GET", f"/api/v1/bins/reports/{report['reference']}",
                  headers={"X-Resident-Secret": secret})
    assert status.status_code == 200 and status.json()["status"] == "open"
    assert call(journey_stack, "GET", f"/api/v1/bins/reports/{report['reference']}",
                headers={"X-Resident-Secret": "wrong"}).status_code == 404
    # well formed, but its check digits are wrong
    assert call(journey_stack, "GET", "/api/v1/bins/reports/MB-2222-10",
                headers={"X-Resident-Secret": secret}).status_code == 404

    crew = journey_stack.bearer(target["crew_id"], ["crew"])
    listed = call(journey_stack, "GET", "/api/v1/bins/crew/reports", headers=crew,
                  params={"day": target["collection_date"]})
    assert listed.status_code == 200
    mine = [r for r in listed.json()["items"] if r["reference"] == report["reference"]]
    assert len(mine) == 1

    other = journey_stack.bearer("crew-nobody", ["crew"])
    refused = call(journey_stack, "POST", f"/api/v1/bins/crew/reports/{mine[0]['id']}/resolution",
                   json={"outcome": "collected"}, headers=other)
    assert refused.status_code == 403

    resolved = call(journey_stack, "POST", f"/api/v1/bins/crew/reports/{mine[0]['id']}/resolution",
                    json={"outcome": "collected"}, headers=crew)
    assert resolved.status_code == 200, resolved.text
    status = call(journey_stack, "GET", f"/api/v1/bins/reports/{report['reference']}",
                  params={"secret": secret}).json()
    assert status["outcome"] == "collected"


def test_a_future_collection_is_422_with_the_rule(journey_stack, targets):
    target = targets[0]
    if not target["next"]:
        pytest.skip("no upcoming collection for this service")
    response = call(journey_stack, "POST", "/api/v1/bins/reports", json={
        "uprn": target["uprn"], "service": target["service"],
        "collection_date": target["next"][0]["date"]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "collection_not_due"
    assert error["message"].startswith("Your ")


def xml(response):
    assert response.headers["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def test_open311_in_both_formats(journey_stack, targets):
    target = targets[1]
    code = f"missed-{target['service']}"
    services = xml(call(journey_stack, "GET", "/open311/v2/services.xml"))
    assert code in [s.findtext("service_code") for s in services]
    assert code in [s["service_code"] for s in
                    call(journey_stack, "GET", "/open311/v2/services.json").json()]
    definition = xml(call(journey_stack, "GET", f"/open311/v2/services/{code}.xml"))
    assert [a.findtext("code") for a in definition.iter("attribute")] == [
        "uprn", "container", "collection_date"]

    form = {"service_code": code, "address_id": target["uprn"]}
    refused = call(journey_stack, "POST", "/open311/v2/requests.xml", data=form)
    assert refused.status_code == 403
    assert xml(refused).find("error").findtext("code") == "403"

    filed = call(journey_stack, "POST", "/open311/v2/requests.xml",
                 data={**form, "api_key": API_KEY})
    assert filed.status_code == 200, filed.text
    request_id = xml(filed).find("request").findtext("service_request_id")

    if target["next"]:
        future = call(journey_stack, "POST", "/open311/v2/requests.json", data={
            **form, "api_key": API_KEY,
            "attribute[collection_date]": target["next"][0]["date"]})
        assert future.status_code == 400
        assert future.json()[0]["description"].startswith("Your ")

    listed = call(journey_stack, "GET", "/open311/v2/requests.json", params={
        "api_key": API_KEY, "status": "open", "service_code": code,
        "start_date": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).isoformat()})
    assert listed.status_code == 200, listed.text
    assert request_id in [r["service_request_id"] for r in listed.json()]

    one = xml(call(journey_stack, "GET", f"/open311/v2/requests/{request_id}.xml",
                   params={"api_key": API_KEY}))
    assert one.find("request").findtext("status") == "open"
    assert one.find("request").findtext("address_id") == target["uprn"]

    crew = journey_stack.bearer(target["crew_id"], ["crew"])
    items = call(journey_stack, "GET", "/api/v1/bins/crew/reports", headers=crew).json()["items"]
    report_id = next(r["id"] for r in items if r["reference"] == request_id)
    call(journey_stack, "POST", f"/api/v1/bins/crew/reports/{report_id}/resolution",
         json={"outcome": "not_collected", "reason": "The road was closed"}, headers=crew)
    closed = call(journey_stack, "GET", f"/open311/v2/requests/{request_id}.json",
                  params={"api_key": API_KEY}).json()[0]
    assert closed["status"] == "closed"
    assert "The road was closed" in closed["status_notes"]

    missing = call(journey_stack, "GET", "/open311/v2/requests/MB-2222-10.xml",
                   params={"api_key": API_KEY})
    assert missing.status_code == 404
    assert xml(missing).find("error").findtext("code") == "404"
