from openapi_spec_validator import validate

from gateway.web import openapi
from gateway.service import GatewayService


def test_document_is_valid_openapi_3():
    doc = openapi.document(GatewayService)
    validate(doc)
    assert doc["openapi"].startswith("3.")


def test_echo_route_is_described_from_its_schemas():
    doc = openapi.document(GatewayService)
    op = doc["paths"]["/api/v1/echo"]["post"]
    body_ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = doc["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
    assert body["required"] == ["message"]
    assert body["properties"]["message"]["maxLength"] == 500
    assert {"200", "400", "409", "413", "415", "422", "429", "503"} <= set(op["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in op["parameters"])
    error_ref = op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert error_ref == "#/components/schemas/Error"


def test_role_routes_declare_security_and_roles():
    doc = openapi.document(GatewayService)
    op = doc["paths"]["/api/v1/ops/parked"]["get"]
    assert op["x-roles"] == ["supervisor"]
    assert {"bearerAuth": []} in op["security"]
    assert {"401", "403"} <= set(op["responses"])
    assert any(p["name"] == "limit" and p["in"] == "query" for p in op["parameters"])


def test_pages_and_assets_stay_out_of_the_api_document():
    paths = openapi.document(GatewayService)["paths"]
    assert "/" not in paths and "/start" not in paths
    assert not any(p.startswith("/assets") for p in paths)
    assert "/healthz" in paths and "/api/v1/staff/me" in paths


def test_every_route_is_in_the_registry_once():
    specs = openapi.routes(GatewayService)
    keys = [(s.method, s.path) for s in specs]
    assert len(keys) == len(set(keys))
    assert ("POST", "/api/v1/echo") in keys and ("POST", "/start") in keys


def test_werkzeug_rules_become_openapi_paths():
    path, params = openapi.openapi_path("/api/v1/reports/<int:report_id>/notes/<slug>")
    assert path == "/api/v1/reports/{report_id}/notes/{slug}"
    assert [(p["name"], p["schema"]["type"]) for p in params] == [
        ("report_id", "integer"), ("slug", "string")]


def test_readable_form_lists_fields_for_the_docs_page():
    api = openapi.readable(openapi.document(GatewayService))
    echo = next(op for op in api["operations"] if op["path"] == "/api/v1/echo")
    assert echo["method"] == "POST"
    assert [r["name"] for r in echo["body_rows"]] == ["message"]
    assert echo["body_rows"][0]["required"] is True


def test_filing_documents_both_successes_with_the_same_schema():
    responses = openapi.document(GatewayService)["paths"]["/api/v1/bins/reports"]["post"][
        "responses"]
    assert responses["201"]["content"] == responses["200"]["content"]
    assert "Already reported" in responses["200"]["description"]
