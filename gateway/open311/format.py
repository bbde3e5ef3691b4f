"""Open311 GeoReport v2 for missed bins: parsing and rendering, no IO.

Both formats carry the same data: JSON as the spec's arrays of objects, XML
with a root element holding one element per item. Errors are the spec's
list of {code, description}, with the HTTP status as the code.

Choices (see docs/bins.md, "HTTP interfaces"):
- `address_id` is the UPRN; `lat`/`long`/`address_string` are not accepted
  because a missed bin belongs to one property, not a point on a map.
- attributes: `uprn` (optional, same as address_id), `container` (which bin)
  and `collection_date` (YYYY-MM-DD, default the latest collection). The
  service codes name a bin each (missed-refuse, ...), so `container` may be
  left out; when sent it must agree with the code.
- `service_request_id` is the report's reference (MB-7K3Q-92).
- `email` and `phone` (optional, as the spec has them) are how the resident
  is told what happens: `phone` must be a UK mobile number (texts only),
  kept as +447700900123; email is used when both are sent. `first_name`,
  `last_name` and the rest are not kept.
- POST answers 200 for a new report and for an open one that already exists
  (its id, with a service_notice saying so), as Open311 clients expect 200.
- GET requests needs the api_key too: reports carry addresses.
"""
import datetime as dt
import json
import re
from xml.etree import ElementTree as ET

from marshmallow import ValidationError

from services.bins.contract import REPORT_STATUSES, SERVICE_NAMES

from gateway.api.schemas.bins import (EMAIL_MESSAGE, MOBILE_MESSAGE, SERVICES, check_email,
                                      normalise_mobile, valid_uprn)

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
MAX_REQUEST_IDS = 100

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata",
                  "type", "keywords", "group")
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible",
                  "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url")
ATTRIBUTE_FIELDS = ("variable", "code", "datatype", "required",
                    "datatype_description", "order", "description", "values")
# a report is open or closed, as in GeoReport v2
STATUSES = REPORT_STATUSES


class Open311Error(Exception):
    """Answered as the spec's error list, with this HTTP status."""

    def __init__(self, status, *descriptions):
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = list(descriptions) or ["The request could not be understood"]

    def items(self):
        return [{"code": self.status, "description": d} for d in self.descriptions]


def status_for(http_status):
    """Open311 knows 400, 403, 404 (and 500s): a missing or unknown api_key
    (401 elsewhere in the gateway) is its 403, a rule's refusal its 400."""
    if http_status == 401:
        return 403
    if http_status == 422:
        return 400
    return http_status


def format_from_path(path):
    return "xml" if path.endswith(".xml") else "json"


# --- rendering ---

def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    return str(value)


def _element(parent, name, value):
    child = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, sub in value.items():
            _element(child, key, sub)
    else:
        child.text = _text(value)
    return child


def to_xml(root, item, items):
    """<root><item>...</item>...</root> as UTF-8 bytes with a declaration."""
    top = ET.Element(root)
    for entry in items:
        _element(top, item, entry)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def to_json(data):
    return json.dumps(data, separators=(",", ":"), default=_text).encode("utf-8")


def render(fmt, root, item, items):
    """(body, content type) for a list in either format."""
    if fmt == "xml":
        return to_xml(root, item, items), XML_TYPE
    return to_json(items), JSON_TYPE


def render_errors(fmt, error):
    return render(fmt, "errors", "error", error.items())


def render_definition(fmt, definition):
    if fmt == "json":
        return to_json(definition), JSON_TYPE
    top = ET.Element("service_definition")
    _element(top, "service_code", definition["service_code"])
    attributes = ET.SubElement(top, "attributes")
    for attribute in definition["attributes"]:
        node = ET.SubElement(attributes, "attribute")
        for key in ATTRIBUTE_FIELDS:
            if key == "values":
                values = ET.SubElement(node, "values")
                for value in attribute.get("values") or ():
                    _element(values, "value", {"key": value["key"], "name": value["name"]})
            else:
                _element(node, key, attribute.get(key))
    return ET.tostring(top, encoding="utf-8", xml_declaration=True), XML_TYPE


# --- shaping what the bins service returns ---

def _as_list(answer, key):
    if isinstance(answer, dict):
        answer = answer.get(key) or []
    return [a for a in answer or () if isinstance(a, dict)]


def services(answer):
    """The open311_services answer as the spec's service list."""
    out = []
    for entry in _as_list(answer, "services"):
        item = {k: entry.get(k) for k in SERVICE_FIELDS}
        item["metadata"] = bool(entry.get("metadata", True))
        item["type"] = entry.get("type") or "realtime"
        keywords = entry.get("keywords")
        item["keywords"] = ",".join(keywords) if isinstance(keywords, (list, tuple)) \
            else (keywords or "")
        item["group"] = entry.get("group") or "Waste"
        out.append(item)
    return out


def requests(answer):
    """The open311_requests answer as the spec's request list."""
    out = []
    for entry in _as_list(answer, "requests"):
        item = {k: entry.get(k) for k in REQUEST_FIELDS}
        if item["status"] not in STATUSES:
            item["status"] = "closed" if entry.get("resolved_at") else "open"
        out.append(item)
    return out


def container_for(code):
    """The bin a service code names by itself (refuse, missed-refuse), or None."""
    for prefix in ("", "missed-", "missed_"):
        if code.startswith(prefix) and code[len(prefix):] in SERVICES:
            return code[len(prefix):]
    return None


def container_values(only=None):
    return [{"key": code, "name": name} for code, name in SERVICE_NAMES.items()
            if only is None or code == only]


def definition(service):
    """The service definition (its attributes) for one entry of services()."""
    code = service["service_code"]
    named = container_for(code)
    names_container = named is not None
    return {"service_code": code, "attributes": [
        {"variable": True, "code": "uprn", "datatype": "string", "required": False,
         "datatype_description": "Up to 12 digits; the same as address_id",
         "order": 1,
         "description": "The Unique Property Reference Number of the property"},
        {"variable": True, "code": "container", "datatype": "singlevaluelist",
         "required": not names_container, "datatype_description": "",
         "order": 2, "description": "Which bin was not collected",
         # a code that names its bin offers only that bin
         "values": container_values(named)},
        {"variable": True, "code": "collection_date", "datatype": "string",
         "required": False, "datatype_description": "YYYY-MM-DD",
         "order": 3,
         "description": "The day the bin should have been collected "
                        "(default: the latest collection)"},
    ]}


# --- parsing what clients send ---

_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_]+)\]$")


def attributes_from(form):
    out = {}
    for key, value in form.items():
        match = _ATTRIBUTE.match(key)
        if match:
            out[match.group(1)] = value.strip()
    return out


def parse_new_request(form, service_codes):
    """The form of POST requests -> file_report's arguments (without the
    idempotency key and channel), or Open311Error(400) listing every
    problem."""
    problems = []
    code = (form.get("service_code") or "").strip()
    attributes = attributes_from(form)
    if not code:
        problems.append("service_code: Send the service code of the report")
    elif code not in service_codes:
        problems.append(f"service_code: {code} is not a service code here; "
                        "see services.xml")
    uprn = (form.get("address_id") or "").strip() or attributes.get("uprn", "")
    if not uprn:
        problems.append("address_id: Send the property's UPRN as address_id")
    elif not valid_uprn(uprn):
        problems.append("address_id: A UPRN is up to 12 digits")
    elif attributes.get("uprn") and attributes["uprn"] != uprn:
        problems.append("attribute[uprn]: It must match address_id")
    container = attributes.get("container") or container_for(code) or ""
    if not container:
        problems.append("attribute[container]: Say which bin was not collected: "
                        + ", ".join(SERVICES))
    elif container not in SERVICES:
        problems.append("attribute[container]: Use one of " + ", ".join(SERVICES))
    elif code and container_for(code) not in (None, container):
        problems.append(f"attribute[container]: Service {code} is for "
                        f"{container_for(code)} only")
    collection_date = attributes.get("collection_date") or None
    if collection_date:
        try:
            collection_date = dt.date.fromisoformat(collection_date).isoformat()
        except ValueError:
            problems.append("attribute[collection_date]: Use a date like 2026-03-31")
    contact = {}
    email = (form.get("email") or "").strip()
    if email:
        try:
            contact["email"] = check_email(email)
        except ValidationError:
            problems.append(f"email: {EMAIL_MESSAGE}")
    phone = (form.get("phone") or "").strip()
    if phone:
        contact["phone"] = normalise_mobile(phone)
        if contact["phone"] is None:
            problems.append(f"phone: {MOBILE_MESSAGE}; leave it out if there is none")
    if problems:
        raise Open311Error(400, *problems)
    return {"uprn": uprn, "service": container, "collection_date": collection_date,
            **contact}


def _datetime(name, text):
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name}: Use a date and time like "
                                "2026-03-31T00:00:00Z")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


def parse_filters(args):
    """The query of GET requests -> open311_requests' filters."""
    filters = {}
    ids = [i.strip() for i in (args.get("service_request_id") or "").split(",") if i.strip()]
    if len(ids) > MAX_REQUEST_IDS:
        raise Open311Error(400, f"service_request_id: Ask for at most "
                                f"{MAX_REQUEST_IDS} requests at once")
    if ids:
        # with ids, the spec says the other filters are ignored
        return {"service_request_id": ids}
    code = (args.get("service_code") or "").strip()
    if code:
        filters["service_code"] = code
    start = _datetime("start_date", args["start_date"]) if args.get("start_date") else None
    end = _datetime("end_date", args["end_date"]) if args.get("end_date") else None
    if start and end and end < start:
        raise Open311Error(400, "end_date: It must be after start_date")
    if start:
        filters["start_date"] = start.isoformat()
    if end:
        filters["end_date"] = end.isoformat()
    statuses = [s.strip() for s in (args.get("status") or "").split(",") if s.strip()]
    for status in statuses:
        if status not in STATUSES:
            raise Open311Error(400, "status: Use open or closed")
    if len(set(statuses)) == 1:
        filters["status"] = statuses[0]
    return filters
