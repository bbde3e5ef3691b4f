"""Open311 GeoReport v2 through a real gateway, in XML and JSON, with the
bins service faked in memory."""
from xml.etree import ElementTree as ET

import pytest

from tests.integration.gateway.conftest import API_KEY
from tests.integration.gateway.fake_bins import STILL_WORKING, UPRN

BASE = "/open311/v2"


def xml(response):
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content)


def new_request(gw, fmt="xml", api_key=API_KEY, **fields):
    data = {"service_code": "missed-refuse", "address_id": UPRN}
    if api_key is not None:
        data["api_key"] = api_key
    data.update(fields)
    return gw.post(f"{BASE}/requests.{fmt}", data=data)


def errors_of(response, fmt):
    if fmt == "json":
        assert response.headers["Content-Type"].startswith("application/json")
        return [(e["code"], e["description"]) for e in response.json()]
    root = xml(response)
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root]


def test_service_list_in_both_formats(bins):
    root = xml(bins.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    service = root.find("service")
    assert service.findtext("service_code") == "missed-refuse"
    assert service.findtext("metadata") == "true"
    assert service.findtext("type") == "realtime"
    assert service.findtext("keywords") == "bins, waste"
    assert service.find("attributes") is None
    listed = bins.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in listed] == [
        "missed-refuse", "missed-recycling", "missed-garden", "missed-food"]
    assert listed[0]["metadata"] is True


def test_service_definition_in_both_formats(bins):
    root = xml(bins.get(f"{BASE}/services/missed-refuse.xml"))
    assert root.tag == "service_definition"
    attributes = root.find("attributes").findall("attribute")
    assert [a.findtext("code") for a in attributes] == ["uprn", "container", "collection_date"]
    container = attributes[1]
    assert container.findtext("datatype") == "singlevaluelist"
    # the code names the bin already
    assert container.findtext("required") == "false"
    assert [v.findtext("key") for v in container.find("values")] == ["refuse"]
    definition = bins.get(f"{BASE}/services/missed-refuse.json").json()
    assert definition["service_code"] == "missed-refuse"
    assert definition["attributes"][1]["values"][0] == {"key": "refuse", "name": "Rubbish"}


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_code_is_404_in_format(bins, fmt):
    response = bins.get(f"{BASE}/services/nothing.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt) == [(404, "There is no service with code nothing")]


def test_posting_a_request_in_xml(bins, bins_state):
    response = new_request(bins, "xml")
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_requests"
    request_id = root.find("request").findtext("service_request_id")
    assert request_id.startswith("MB-")
    assert root.find("request").findtext("service_notice") == ""
    call = bins_state.last("file_report")
    assert (call["uprn"], call["service"], call["channel"]) == (UPRN, "refuse", "open311")


def test_posting_a_request_in_json_and_again(bins, bins_state):
    first = new_request(bins, "json", **{"attribute[collection_date]": "2026-11-23"})
    assert first.status_code == 200
    request_id = first.json()[0]["service_request_id"]
    assert bins_state.last("file_report")["collection_date"] == "2026-11-23"
    again = new_request(bins, "json", **{"attribute[collection_date]": "2026-11-23"})
    assert again.status_code == 200
    assert again.json()[0]["service_request_id"] == request_id
    assert "already reported" in again.json()[0]["service_notice"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_api_key_is_required_and_checked(bins, bins_state, fmt):
    missing = new_request(bins, fmt, api_key=None)
    assert missing.status_code == 403
    assert errors_of(missing, fmt) == [(403, "Send your API key as the api_key parameter")]
    wrong = new_request(bins, fmt, api_key="not-a-key")
    assert wrong.status_code == 403
    assert errors_of(wrong, fmt) == [(403, "The API key is not recognised")]
    assert not [c for c in bins_state.calls if c["method"] == "file_report"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_key_without_the_api_client_role_is_403(bins, bearer, fmt):
    response = bins.get(f"{BASE}/requests.{fmt}", headers=bearer(["crew"]))
    assert response.status_code == 403
    assert errors_of(response, fmt)[0][0] == 403


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_rule_refusal_is_400_with_the_reason(bins, fmt):
    response = new_request(bins, fmt, service_code="missed-garden")
    assert response.status_code == 400
    assert errors_of(response, fmt) == [(400, STILL_WORKING)]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_bad_fields_are_400_listing_each(bins, bins_state, fmt):
    response = new_request(bins, fmt, service_code="potholes", address_id="12ab",
                           **{"attribute[container]": "paper"})
    assert response.status_code == 400
    descriptions = [d for _, d in errors_of(response, fmt)]
    assert len(descriptions) == 3
    assert descriptions[0].startswith("service_code:")
    assert descriptions[1].startswith("address_id:")
    assert descriptions[2].startswith("attribute[container]:")
    response = new_request(bins, fmt, **{"attribute[container]": "garden"})
    assert response.status_code == 400
    descriptions = [d for _, d in errors_of(response, fmt)]
    assert descriptions == ["attribute[container]: Service missed-refuse is for refuse only"]


def test_unknown_uprn_is_404(bins):
    response = new_request(bins, "xml", address_id="999")
    assert response.status_code == 404
    assert errors_of(response, "xml") == [(404, "There is no property with that UPRN")]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_getting_requests_with_filters(bins, bins_state, fmt):
    request_id = new_request(bins, "json").json()[0]["service_request_id"]
    response = bins.get(f"{BASE}/requests.{fmt}", params={
        "api_key": API_KEY, "status": "open", "service_code": "missed-refuse",
        "start_date": "2026-11-01T00:00:00Z", "end_date": "2026-11-30T00:00:00Z"})
    assert response.status_code == 200
    assert bins_state.last("open311_requests")["filters"] == {
        "status": "open", "service_code": "missed-refuse",
        "start_date": "2026-11-01T00:00:00+00:00", "end_date": "2026-11-30T00:00:00+00:00"}
    if fmt == "json":
        item = response.json()[0]
        assert item["service_request_id"] == request_id
        assert item["status"] == "open" and item["address_id"] == UPRN
    else:
        item = xml(response).find("request")
        assert item.findtext("service_request_id") == request_id
        assert item.findtext("status") == "open"
        assert item.findtext("lat") == ""


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_bad_filters_are_400(bins, fmt):
    for params, start in (({"status": "pending"}, "status:"),
                          ({"start_date": "yesterday"}, "start_date:"),
                          ({"start_date": "2026-01-01T00:00:00Z",
                            "end_date": "2026-06-01T00:00:00Z"}, "start_date:")):
        response = bins.get(f"{BASE}/requests.{fmt}", params={"api_key": API_KEY, **params})
        assert response.status_code == 400, params
        assert errors_of(response, fmt)[0][1].startswith(start)


def test_getting_requests_needs_the_api_key(bins):
    assert bins.get(f"{BASE}/requests.xml").status_code == 403
    assert bins.get(f"{BASE}/requests/MB-2222-10.json").status_code == 403


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_one_request_by_id(bins, bins_state, bearer, fmt):
    request_id = new_request(bins, "json").json()[0]["service_request_id"]
    report = next(iter(bins_state.reports.values()))
    bins.post(f"/api/v1/bins/crew/reports/{report['id']}/resolution",
              json={"outcome": "not_collected", "reason": "Road closed"},
              headers=bearer(["crew"], sub="crew-7"))
    response = bins.get(f"{BASE}/requests/{request_id}.{fmt}", params={"api_key": API_KEY})
    assert response.status_code == 200
    if fmt == "json":
        item = response.json()[0]
        assert (item["status"], item["status_notes"]) == ("closed", "Road closed")
    else:
        item = xml(response).find("request")
        assert item.findtext("status") == "closed"
        assert item.findtext("status_notes") == "Road closed"
    missing = bins.get(f"{BASE}/requests/MB-2222-10.{fmt}", params={"api_key": API_KEY})
    assert missing.status_code == 404
    assert errors_of(missing, fmt) == [(404, "There is no request with that id.")]


def test_the_api_key_header_works_too(bins):
    response = bins.get(f"{BASE}/requests.json", headers={"X-Api-Key": API_KEY})
    assert response.status_code == 200


def test_unmatched_open311_paths_answer_in_format(bins):
    response = bins.get(f"{BASE}/nothing.xml")
    assert response.status_code == 404
    assert errors_of(response, "xml")[0][0] == 404
    wrong_method = bins.request("DELETE", f"{BASE}/services.json")
    assert wrong_method.status_code == 405
    assert errors_of(wrong_method, "json")[0][0] == 405
