import json
from xml.etree import ElementTree as ET

import pytest
from werkzeug.datastructures import MultiDict

from gateway.open311 import format as open311

CODES = {"missed-refuse", "missed-recycling", "missed-garden", "missed-food"}


def test_lists_render_as_xml_with_an_element_per_item():
    body, content_type = open311.render("xml", "service_requests", "request", [
        {"service_request_id": "MB-7K3Q-92", "status": "open", "lat": None,
         "description": "Bins & <boxes>"}])
    assert content_type == "text/xml; charset=utf-8"
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(body)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == "MB-7K3Q-92"
    assert request.findtext("lat") == ""
    assert request.findtext("description") == "Bins & <boxes>"


def test_lists_render_as_json_arrays():
    body, content_type = open311.render("json", "services", "service",
                                        [{"service_code": "x", "metadata": True}])
    assert content_type == "application/json; charset=utf-8"
    assert json.loads(body) == [{"service_code": "x", "metadata": True}]


def test_booleans_are_lower_case_in_xml():
    root = ET.fromstring(open311.to_xml("services", "service", [{"metadata": False}]))
    assert root.find("service").findtext("metadata") == "false"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_errors_are_a_list_of_code_and_description(fmt):
    error = open311.Open311Error(400, "service_code: missing", "address_id: missing")
    body, _ = open311.render_errors(fmt, error)
    if fmt == "json":
        assert json.loads(body) == [{"code": 400, "description": "service_code: missing"},
                                    {"code": 400, "description": "address_id: missing"}]
    else:
        root = ET.fromstring(body)
        assert root.tag == "errors"
        assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
            ("400", "service_code: missing"), ("400", "address_id: missing")]


def test_statuses_open311_knows():
    assert open311.status_for(401) == 403
    assert open311.status_for(422) == 400
    assert open311.status_for(404) == 404


def test_definition_in_xml_has_attributes_and_values():
    definition = open311.definition({"service_code": "missed-refuse"})
    root = ET.fromstring(open311.render_definition("xml", definition)[0])
    assert root.tag == "service_definition"
    attrs = root.find("attributes").findall("attribute")
    assert [a.findtext("code") for a in attrs] == ["uprn", "container", "collection_date"]
    assert [a.findtext("order") for a in attrs] == ["1", "2", "3"]
    assert attrs[1].findtext("required") == "false"
    assert attrs[0].find("values") is not None and len(attrs[0].find("values")) == 0
    # missed-refuse names its bin, so that is the only choice offered
    assert [v.findtext("name") for v in attrs[1].find("values")] == ["Rubbish"]


def test_a_code_that_names_no_bin_needs_the_container():
    definition = open311.definition({"service_code": "missed_bin"})
    assert definition["attributes"][1]["required"] is True
    assert [v["name"] for v in definition["attributes"][1]["values"]] == [
        "Rubbish", "Recycling", "Garden waste", "Food waste"]


def test_services_fill_in_the_spec_fields():
    [service] = open311.services([{"service_code": "missed-refuse",
                                   "service_name": "Missed rubbish collection",
                                   "keywords": ["bins", "waste"], "attributes": []}])
    assert service == {"service_code": "missed-refuse",
                       "service_name": "Missed rubbish collection", "description": None,
                       "metadata": True, "type": "realtime", "keywords": "bins,waste",
                       "group": "Waste"}


def test_requests_keep_spec_fields_only_and_a_spec_status():
    [item] = open311.requests({"requests": [{"service_request_id": "MB-7K3Q-92",
                                             "status": "resolved", "secret": "no",
                                             "resolved_at": "2026-11-24T10:00:00Z"}]})
    assert item["status"] == "closed"
    assert "secret" not in item
    assert list(item) == list(open311.REQUEST_FIELDS)


def test_a_new_request_becomes_file_report_arguments():
    form = MultiDict({"service_code": "missed-garden", "address_id": " 100090000001 ",
                      "attribute[collection_date]": "2026-11-23", "api_key": "k"})
    assert open311.parse_new_request(form, CODES) == {
        "uprn": "100090000001", "service": "garden", "collection_date": "2026-11-23"}


def test_the_uprn_may_come_as_an_attribute():
    form = MultiDict({"service_code": "missed-food", "attribute[uprn]": "100090000001"})
    assert open311.parse_new_request(form, CODES)["uprn"] == "100090000001"


def test_every_problem_is_listed():
    form = MultiDict({"service_code": "potholes", "address_id": "12ab",
                      "attribute[collection_date]": "23/11/2026"})
    with pytest.raises(open311.Open311Error) as caught:
        open311.parse_new_request(form, CODES)
    assert caught.value.status == 400
    assert [d.split(":")[0] for d in caught.value.descriptions] == [
        "service_code", "address_id", "attribute[container]", "attribute[collection_date]"]


def test_container_must_agree_with_the_code():
    form = MultiDict({"service_code": "missed-refuse", "address_id": "1",
                      "attribute[container]": "food"})
    with pytest.raises(open311.Open311Error, match="missed-refuse is for refuse only"):
        open311.parse_new_request(form, CODES)


def test_filters():
    assert open311.parse_filters(MultiDict({
        "service_code": "missed-refuse", "status": "open,open",
        "start_date": "2026-11-01T00:00:00Z", "end_date": "2026-11-30T12:00:00+00:00"})) == {
        "service_code": "missed-refuse", "status": "open",
        "start_date": "2026-11-01T00:00:00+00:00", "end_date": "2026-11-30T12:00:00+00:00"}
    # both statuses: no filter
    assert open311.parse_filters(MultiDict({"status": "open,closed"})) == {}


def test_ids_win_over_other_filters():
    assert open311.parse_filters(MultiDict({"service_request_id": "A, B",
                                            "status": "bogus"})) == {
        "service_request_id": ["A", "B"]}


@pytest.mark.parametrize("args, field", [
    ({"status": "pending"}, "status"),
    ({"start_date": "last week"}, "start_date"),
    ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
])
def test_bad_filters(args, field):
    with pytest.raises(open311.Open311Error) as caught:
        open311.parse_filters(MultiDict(args))
    assert caught.value.descriptions[0].startswith(field + ":")


def test_how_many_days_at_once_is_left_to_the_bins_service():
    args = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    assert set(open311.parse_filters(MultiDict(args))) == {"start_date", "end_date"}


def test_format_from_path():
    assert open311.format_from_path("/open311/v2/x.xml") == "xml"
    assert open311.format_from_path("/open311/v2/x") == "json"
