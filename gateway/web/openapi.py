"""The route registry and the OpenAPI 3 document built from it.

Each gateway route is declared once, by the decorator on its method in one
of GatewayService's mixins (`gateway.web.http.api(...)` or `page(...)`).
The decorator records a RouteSpec; nameko's entrypoint machinery keeps it on
the method, and `routes(service_cls)` reads them back. The handler enforces
what the spec says (roles, schemas, limits) and this module documents the
same spec, so the document cannot drift from the behaviour.
"""
import functools
import inspect
import re
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from gateway.web.schemas import ErrorSchema

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_TITLE = "Townhall API"
API_VERSION = "0.1.0"

ERROR_DESCRIPTIONS = {
    400: "The request or one of its fields is not valid",
    401: "No credentials, or credentials that are not valid",
    403: "Signed in, but without the role this needs",
    404: "Not found",
    409: "A request with the same Idempotency-Key is still running",
    413: "The request body is larger than the gateway accepts",
    415: "The request body is not JSON",
    422: "A business rule refused the request (error.code names the rule), or the "
         "Idempotency-Key was already used for a different request",
    429: "Too many requests; see Retry-After",
    503: "A service did not answer in time",
}


@dataclass(frozen=True)
class RouteSpec:
    """Everything the gateway needs to know about one route."""
    method: str
    path: str
    kind: str = "api"                   # "api" (JSON), "page" (HTML) or "asset"
    summary: str = ""
    description: str = ""
    tags: tuple = ()
    body: type = None                   # marshmallow schema for a JSON body
    form: type = None                   # marshmallow schema for a web form
    query: type = None                  # marshmallow schema for the query string
    response: type = None               # marshmallow schema for the JSON answer
    status: int = 200
    roles: frozenset = None             # None: anyone; else any one of these
    idempotent: bool = True             # writes accept Idempotency-Key
    rate_limit: object = None           # None: the default; False: none; "5/minute"
    csrf: bool = True                   # page writes check the CSRF token
    errors: tuple = ()                  # further statuses to document
    also: tuple = ()                    # further successes: (status, description)
    in_docs: bool = True
    # a form or query field that may carry an API key (Open311's api_key)
    api_key_field: str = None
    # fn(request, ApiError) -> Response, for routes whose errors have a format
    # of their own (Open311); None: the gateway's JSON or HTML error
    error_renderer: object = field(default=None, compare=False)
    # with error_renderer: paths under this prefix that match no route (404,
    # 405) get their errors from it too
    error_prefix: str = None
    # media type of a successful answer when it is not JSON (a calendar feed)
    media_type: str = None
    operation_id: str = field(default="", compare=False)

    @property
    def is_write(self):
        return self.method in WRITE_METHODS


def routes(service_cls):
    """Every RouteSpec declared on the service class: the class's own first,
    then each mixin's in the order the class lists them, each in source order."""
    mro = service_cls.__mro__
    found = []
    for name, member in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            spec = getattr(entrypoint, "spec", None)
            if spec is not None:
                owner = next(i for i, cls in enumerate(mro) if name in vars(cls))
                found.append(((owner, inspect.getsourcelines(member)[1]), spec))
    return [spec for _, spec in sorted(found, key=lambda pair: pair[0])]


_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def openapi_path(rule):
    """/reports/<int:id> -> (/reports/{id}, [path parameters])."""
    params = []

    def replace(match):
        conv = match.group("conv") or "string"
        schema = {"type": "integer"} if conv == "int" else (
            {"type": "number"} if conv == "float" else {"type": "string"})
        params.append({"in": "path", "name": match.group("name"),
                       "required": True, "schema": schema})
        return "{" + match.group("name") + "}"

    return _CONVERTER.sub(replace, rule), params


def _operation(spec):
    op = {"operationId": spec.operation_id or None, "summary": spec.summary,
          "tags": list(spec.tags) or ["general"], "responses": {}}
    if spec.description:
        op["description"] = spec.description
    _, path_params = openapi_path(spec.path)
    parameters = list(path_params)
    if spec.query is not None:
        parameters.append({"in": "query", "schema": spec.query})
    if spec.is_write and spec.idempotent:
        parameters.append({
            "in": "header", "name": "Idempotency-Key", "required": False,
            "schema": {"type": "string", "maxLength": 255},
            "description": "A new random value (e.g. a UUID) per request. A retry "
                           "with the same key and body returns the first response."})
    if parameters:
        op["parameters"] = parameters
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": spec.body}}}

    ok = {"description": "Success"}
    if spec.response is not None:
        ok["content"] = {"application/json": {"schema": spec.response}}
    elif spec.media_type:
        ok["content"] = {spec.media_type: {"schema": {"type": "string"}}}
    op["responses"][str(spec.status)] = ok
    for status, description in spec.also:
        op["responses"][str(status)] = {**ok, "description": description}

    statuses = set(spec.errors)
    if spec.body is not None or spec.query is not None:
        statuses.add(400)
    if spec.body is not None:
        statuses.update({413, 415})
    if spec.roles is not None:
        statuses.update({401, 403})
        op["security"] = [{"bearerAuth": []}, {"apiKey": []}]
        op["x-roles"] = sorted(spec.roles)
        role_text = "Needs one of these roles: " + ", ".join(sorted(spec.roles)) + "."
        op["description"] = (op.get("description", "") + "\n\n" + role_text).strip()
    if spec.is_write and spec.rate_limit is not False:
        statuses.add(429)
    if spec.is_write and spec.idempotent:
        statuses.update({409, 422})
    for status in sorted(statuses):
        op["responses"][str(status)] = {
            "description": ERROR_DESCRIPTIONS.get(status, "Error"),
            "content": {"application/json": {"schema": "Error"}}}
    op["responses"]["default"] = {
        "description": "Unexpected error: only a reference is shown",
        "content": {"application/json": {"schema": "Error"}}}
    return {k: v for k, v in op.items() if v is not None}


@functools.lru_cache(maxsize=8)
def document(service_cls):
    """The OpenAPI document for the service's API routes, as a dict."""
    spec = APISpec(
        title=API_TITLE, version=API_VERSION, openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": (
            "The JSON API of Townhall, a council's self-service. Every error "
            "has the shape {\"error\": {\"code\", \"message\", \"fields\"}}; "
            "every response carries X-Request-Id.")})
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.security_scheme(
        "apiKey", {"type": "apiKey", "in": "header", "name": "X-Api-Key"})
    paths = {}
    for route in routes(service_cls):
        if route.kind != "api" or not route.in_docs:
            continue
        path, _ = openapi_path(route.path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _resolve(doc, schema):
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if ref:
        return ref.rsplit("/", 1)[-1], doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return None, schema or {}


def _type_text(doc, prop):
    name, resolved = _resolve(doc, prop)
    if name:
        return name
    kind = resolved.get("type", "any")
    if kind == "array":
        return f"list of {_type_text(doc, resolved.get('items', {}))}"
    if kind == "object" and "additionalProperties" in resolved:
        return f"map of {_type_text(doc, resolved['additionalProperties'])}"
    if resolved.get("format"):
        return f"{kind} ({resolved['format']})"
    return kind


def _constraints(prop):
    notes = []
    for key, text in (("minLength", "at least {} characters"),
                      ("maxLength", "at most {} characters"),
                      ("minimum", "at least {}"), ("maximum", "at most {}")):
        if key in prop:
            notes.append(text.format(prop[key]))
    if "enum" in prop:
        notes.append("one of " + ", ".join(map(str, prop["enum"])))
    if "default" in prop:
        notes.append(f"default {prop['default']}")
    return "; ".join(notes)


def _field_rows(doc, schema):
    name, resolved = _resolve(doc, schema)
    required = set(resolved.get("required", ()))
    rows = []
    for field_name, prop in resolved.get("properties", {}).items():
        rows.append({"name": field_name, "type": _type_text(doc, prop),
                     "required": field_name in required,
                     "description": " ".join(filter(None, [
                         prop.get("description", ""), _constraints(prop)]))})
    return name, rows


def readable(doc):
    """The document reshaped for the HTML docs page."""
    operations = []
    for path, methods in doc.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get(
                "application/json", {}).get("schema")
            body_name, body_rows = _field_rows(doc, body) if body else (None, [])
            parameters = []
            for p in op.get("parameters", []):
                parameters.append({"name": p["name"], "in": p["in"],
                                   "required": p.get("required", False),
                                   "type": _type_text(doc, p.get("schema", {})),
                                   "description": p.get("description", "")})
            responses = []
            for status, response in op.get("responses", {}).items():
                schema = response.get("content", {}).get(
                    "application/json", {}).get("schema")
                schema_name, rows = _field_rows(doc, schema) if schema else (None, [])
                responses.append({"status": status,
                                  "description": response.get("description", ""),
                                  "schema": schema_name,
                                  "rows": rows if status.startswith("2") else []})
            operations.append({
                "method": method.upper(), "path": path, "id": op.get("operationId"),
                "summary": op.get("summary", ""), "description": op.get("description", ""),
                "roles": op.get("x-roles"), "tags": op.get("tags", []),
                "parameters": parameters, "body_name": body_name,
                "body_rows": body_rows, "responses": responses})
    return {"title": doc["info"]["title"], "version": doc["info"]["version"],
            "description": doc["info"].get("description", ""),
            "operations": operations}
