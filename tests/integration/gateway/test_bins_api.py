"""The bins JSON API through a real gateway, with the bins service faked in
memory (fake_bins.py): status codes, error shapes, what reaches the RPC."""
import uuid

from openapi_spec_validator import validate

from tests.integration.gateway.fake_bins import CREW, LAST_MONDAY, ROUND, STILL_WORKING, UPRN


def file(gw, service="refuse", **kwargs):
    return gw.post("/api/v1/bins/reports", json={"uprn": UPRN, "service": service},
                   **kwargs)


# --- residents ---

def test_addresses_by_postcode_in_any_case_and_spacing(bins, bins_state):
    response = bins.get("/api/v1/bins/addresses", params={"postcode": "sw1a1aa"})
    assert response.status_code == 200
    body = response.json()
    assert body["postcode"] == "SW1A 1AA"
    assert [a["uprn"] for a in body["addresses"]] == [UPRN, "100000000002"]
    assert bins_state.last("find_addresses")["postcode"] == "SW1A 1AA"


def test_a_bad_postcode_is_400_naming_the_field(bins, bins_state):
    response = bins.get("/api/v1/bins/addresses", params={"postcode": "nope"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "postcode": ["Enter a full postcode, like SW1A 1AA"]}
    assert not bins_state.calls


def test_bin_days_carry_the_calendar_address(bins):
    response = bins.get(f"/api/v1/bins/properties/{UPRN}")
    assert response.status_code == 200
    body = response.json()
    assert body["uprn"] == UPRN
    refuse = body["services"][0]
    assert refuse["last"]["status"] == "completed"
    assert refuse["next"][1]["moved"] is True
    assert refuse["report"]["allowed"] is True
    assert body["calendar_url"] == f"{bins.url}/api/v1/bins/properties/{UPRN}/calendar.ics"


def test_unknown_and_malformed_uprns_are_404(bins, bins_state):
    assert bins.get("/api/v1/bins/properties/999").status_code == 404
    assert bins.get("/api/v1/bins/properties/12ab").status_code == 404
    assert [c["uprn"] for c in bins_state.calls] == ["999"]


def test_calendar_feed_is_text_calendar_and_needs_no_sign_in(bins, bins_state):
    response = bins.get(f"/api/v1/bins/properties/{UPRN}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        f'inline; filename="bin-days-{UPRN}.ics"'
    assert "public" in response.headers["Cache-Control"]
    assert response.text.startswith("BEGIN:VCALENDAR")
    assert bins_state.last("calendar")["weeks"] == 52
    assert bins.get(f"/api/v1/bins/properties/{UPRN}/calendar.ics",
                    params={"weeks": 500}).status_code == 400


def test_filing_a_report_is_201_with_reference_and_secret(bins, bins_state):
    response = file(bins)
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    reference = body["report"]["reference"]
    assert body["secret"]
    assert response.headers["Location"] == f"/api/v1/bins/reports/{reference}"
    assert "id" not in body["report"]
    call = bins_state.last("file_report")
    assert call["channel"] == "api" and call["collection_date"] is None
    # one RPC on the filing path, nothing else
    assert [c["method"] for c in bins_state.calls] == ["file_report"]


def test_the_same_collection_again_is_200_with_the_open_report(bins):
    first = file(bins).json()
    again = file(bins)
    assert again.status_code == 200
    body = again.json()
    assert body["created"] is False
    assert body["report"]["reference"] == first["report"]["reference"]
    assert "secret" not in body


def test_a_rule_refusal_is_422_with_the_rules_code_and_reason(bins):
    response = file(bins, service="garden")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "crew_still_working"
    assert error["message"] == STILL_WORKING
    assert error["reason"] == STILL_WORKING


def test_filing_validates_before_calling(bins, bins_state):
    response = bins.post("/api/v1/bins/reports", json={
        "uprn": "abc", "service": "paper", "collection_date": "31/03/2026"})
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"uprn", "service", "collection_date"}
    assert not bins_state.calls


def test_collection_date_reaches_the_service_as_iso(bins, bins_state):
    response = bins.post("/api/v1/bins/reports", json={
        "uprn": UPRN, "service": "recycling", "collection_date": LAST_MONDAY})
    assert response.status_code == 201
    assert bins_state.last("file_report")["collection_date"] == LAST_MONDAY


def test_idempotency_key_replays_and_reaches_the_service(bins, bins_state):
    # the gateway replays the first response itself: the secret comes back too
    key = str(uuid.uuid4())
    first = file(bins, headers={"Idempotency-Key": key})
    second = file(bins, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    calls = [c for c in bins_state.calls if c["method"] == "file_report"]
    assert len(calls) == 1 and len(calls[0]["idempotency_key"]) == 64


def test_report_status_with_the_secret(bins):
    filed = file(bins).json()
    reference, secret = filed["report"]["reference"], filed["secret"]
    by_header = bins.get(f"/api/v1/bins/reports/{reference}",
                         headers={"X-Resident-Secret": secret})
    assert by_header.status_code == 200
    assert by_header.json()["status"] == "open"
    by_query = bins.get(f"/api/v1/bins/reports/{reference.lower()}",
                        params={"secret": secret})
    assert by_query.status_code == 200


def test_report_status_is_404_for_wrong_secret_unknown_or_missing(bins):
    filed = file(bins).json()
    reference = filed["report"]["reference"]
    for path, headers in (
            (f"/api/v1/bins/reports/{reference}", {"X-Resident-Secret": "wrong"}),
            ("/api/v1/bins/reports/MB-2222-99", {"X-Resident-Secret": filed["secret"]}),
            (f"/api/v1/bins/reports/{reference}", {}),
            ("/api/v1/bins/reports/not-a-reference", {"X-Resident-Secret": "x"})):
        response = bins.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "report_not_found"


# --- crews ---

def test_crew_routes_need_a_token(bins, bins_state):
    assert bins.get("/api/v1/bins/crew/reports").status_code == 401
    response = bins.post(f"/api/v1/bins/crew/rounds/{ROUND}/complete",
                         json={"day": LAST_MONDAY})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not bins_state.calls


def test_crew_routes_need_the_crew_or_supervisor_role(bins, bearer):
    response = bins.get("/api/v1/bins/crew/reports", headers=bearer(["caseworker"]))
    assert response.status_code == 403
    assert bins.get("/api/v1/bins/crew/reports",
                    headers=bearer(["supervisor"], sub="sup-1")).status_code == 200


def test_crew_id_is_the_tokens_subject(bins, bins_state, bearer):
    response = bins.post(f"/api/v1/bins/crew/rounds/{ROUND}/complete",
                         json={"day": LAST_MONDAY}, headers=bearer(["crew"], sub=CREW))
    assert response.status_code == 200
    assert response.json()["completed_at"]
    assert bins_state.last("complete_round") == {
        "method": "complete_round", "crew_id": CREW, "round_id": ROUND,
        "day": LAST_MONDAY, "completed_at": None, "supervisor": False}


def test_a_crew_id_in_the_body_is_refused(bins, bins_state, bearer):
    response = bins.post(f"/api/v1/bins/crew/rounds/{ROUND}/complete",
                         json={"day": LAST_MONDAY, "crew_id": CREW},
                         headers=bearer(["crew"], sub="crew-9"))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"crew_id": ["This field is not recognised"]}
    assert not bins_state.calls


def test_another_crews_round_is_403(bins, bearer):
    response = bins.post(f"/api/v1/bins/crew/rounds/{ROUND}/complete",
                         json={"day": LAST_MONDAY}, headers=bearer(["crew"], sub="crew-9"))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "That round is not assigned to your crew"


def test_a_supervisor_acts_on_any_round_as_themselves(bins, bins_state, bearer):
    response = bins.post(f"/api/v1/bins/crew/rounds/{ROUND}/complete",
                         json={"day": LAST_MONDAY},
                         headers=bearer(["supervisor"], sub="sup-1"))
    assert response.status_code == 200
    call = bins_state.last("complete_round")
    assert (call["crew_id"], call["supervisor"]) == ("sup-1", True)


def test_recording_an_exception(bins, bins_state, bearer):
    response = bins.post(f"/api/v1/bins/crew/rounds/{ROUND}/exceptions", json={
        "uprn": UPRN, "day": LAST_MONDAY, "kind": "bin_not_out", "note": " gate locked "},
        headers=bearer(["crew"], sub=CREW))
    assert response.status_code == 201
    assert response.json()["kind"] == "bin_not_out"
    call = bins_state.last("record_exception")
    assert call["crew_id"] == CREW and call["note"] == "gate locked"
    bad = bins.post(f"/api/v1/bins/crew/rounds/{ROUND}/exceptions", json={
        "uprn": UPRN, "day": LAST_MONDAY, "kind": "rain"},
        headers=bearer(["crew"], sub=CREW))
    assert bad.status_code == 400 and "kind" in bad.json()["error"]["fields"]


def test_listing_and_resolving_open_reports(bins, bins_state, bearer):
    crew = bearer(["crew"], sub=CREW)
    file(bins)
    listed = bins.get("/api/v1/bins/crew/reports", params={"day": LAST_MONDAY},
                      headers=crew)
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1
    assert bins_state.last("list_open_reports") == {
        "method": "list_open_reports", "crew_id": CREW, "day": LAST_MONDAY,
        "supervisor": False}
    assert body["items"][0]["latitude"] == 51.5
    report_id = body["items"][0]["id"]

    needs_reason = bins.post(f"/api/v1/bins/crew/reports/{report_id}/resolution",
                             json={"outcome": "not_collected"}, headers=crew)
    assert needs_reason.status_code == 400
    assert needs_reason.json()["error"]["fields"] == {
        "reason": ["Say why the bin was not collected"]}

    resolved = bins.post(f"/api/v1/bins/crew/reports/{report_id}/resolution",
                         json={"outcome": "not_collected", "reason": "Road closed"},
                         headers=crew)
    assert resolved.status_code == 200
    assert resolved.json()["outcome"] == "not_collected"
    assert bins_state.last("resolve_report")["report_id"] == report_id
    assert bins.get("/api/v1/bins/crew/reports", headers=crew).json()["count"] == 0

    missing = bins.post("/api/v1/bins/crew/reports/r-999/resolution",
                        json={"outcome": "collected"}, headers=crew)
    assert missing.status_code == 404


def test_openapi_lists_the_bins_routes(bins):
    doc = bins.get("/api/v1/openapi.json").json()
    validate(doc)
    paths = doc["paths"]
    for path in ("/api/v1/bins/addresses", "/api/v1/bins/properties/{uprn}",
                 "/api/v1/bins/properties/{uprn}/calendar.ics", "/api/v1/bins/reports",
                 "/api/v1/bins/reports/{reference}",
                 "/api/v1/bins/crew/rounds/{round_id}/complete",
                 "/api/v1/bins/crew/reports/{report_id}/resolution"):
        assert path in paths, path
    filing = paths["/api/v1/bins/reports"]["post"]
    assert {"201", "400", "422"} <= set(filing["responses"])
    assert "text/calendar" in paths["/api/v1/bins/properties/{uprn}/calendar.ics"][
        "get"]["responses"]["200"]["content"]
    assert paths["/api/v1/bins/crew/reports"]["get"]["x-roles"] == ["crew", "supervisor"]
    assert not any(p.startswith("/open311") for p in paths)
