"""What every part of the gateway reads from a request or builds for a
response: the correlation id, the headers residents and staff send, the
client's address and identity, security headers, JSON and redirects, and
marshmallow's messages as the error shape's fields."""
import ipaddress
import json
import logging
import re
import uuid

from werkzeug.datastructures import MIMEAccept
from werkzeug.utils import redirect as werkzeug_redirect
from werkzeug.wrappers import Response

from services.kit.schemas import instance

from gateway.web import errors

log = logging.getLogger("gateway.http")  # the name logs knew it by

REQUEST_ID_HEADER = "X-Request-Id"
RESIDENT_SECRET_HEADER = "X-Resident-Secret"
# a housing case a booking is for (gateway/api/bookings.py)
CASE_REFERENCE_HEADER = "X-Case-Reference"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
ENV_CORRELATION_ID = "townhall.correlation_id"
ENV_NONCE = "townhall.csp_nonce"
JSON_TYPE = "application/json"

PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=()")


def content_security_policy(nonce):
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")


def correlation_id_for(environ):
    """The caller's X-Request-Id when it is well formed, else a new uuid4."""
    cid = environ.get(ENV_CORRELATION_ID)
    if cid is None:
        given = environ.get("HTTP_X_REQUEST_ID", "").strip()
        cid = given if _REQUEST_ID.match(given) else str(uuid.uuid4())
        environ[ENV_CORRELATION_ID] = cid
    return cid


def json_response(payload, status=200, headers=None):
    return Response(json.dumps(payload, separators=(",", ":"), default=str),
                    status=status, headers=headers, content_type=JSON_TYPE)


def redirect(location, status=303):
    """After a form POST: 303 so the browser follows with a GET."""
    return werkzeug_redirect(location, status)


# Headers that prove a resident holds a report, case or booking.
CREDENTIAL_HEADERS = (RESIDENT_SECRET_HEADER, CASE_REFERENCE_HEADER)


def resident_secret(request):
    """The secret a resident was given for their report, case or booking:
    from the X-Resident-Secret header, else a `secret` query or form value."""
    value = (request.headers.get(RESIDENT_SECRET_HEADER)
             or request.args.get("secret") or request.form.get("secret") or "")
    value = value.strip()
    return value if 0 < len(value) <= 256 else None


# Paths that carry a resident's secret: a timeline link's code opens their
# timeline, so it must not sit in the access log for whoever reads it.
_SECRET_IN_PATH = re.compile(r"^(/timeline/)[^/]+")


def loggable_path(path):
    return _SECRET_IN_PATH.sub(r"\1(code)", path)


def client_ip(request, trusted_hops):
    """The client's address; X-Forwarded-For only counts behind as many
    trusted proxies as configured, since anyone can send that header."""
    if trusted_hops > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")
                if h.strip()]
        if len(hops) >= trusted_hops:
            return hops[-trusted_hops]
    return request.remote_addr or "unknown"


def anonymous_identity(ip):
    """What anonymous limits and idempotency records are kept under: the IPv4
    address, or the /64 of an IPv6 one, since a single host commonly holds
    (and can rotate through) a whole /64."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"ip:{ip}"
    if address.version == 6 and address.ipv4_mapped is not None:
        return f"ip:{address.ipv4_mapped}"
    if address.version == 6:
        # from the integer, so a zone id (fe80::1%eth0) does not get in the way
        return f"ip:{ipaddress.IPv6Network((int(address) >> 64 << 64, 64))}"
    return f"ip:{address}"


def wants_html(request, spec):
    if spec is not None:
        return spec.kind == "page"
    path = request.path
    if path.startswith(("/api/", "/assets/")) or path in ("/healthz", "/livez"):
        return False
    accept = request.accept_mimetypes
    return isinstance(accept, MIMEAccept) and accept.best_match(
        [JSON_TYPE, "text/html"]) == "text/html"


def as_fields(messages):
    """marshmallow's messages as {field: [message, ...]}."""
    if isinstance(messages, list):
        return {"_schema": [str(m) for m in messages]}
    out = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            for sub_key, sub_value in as_fields(value).items():
                out[f"{key}.{sub_key}"] = sub_value
        else:
            out[str(key)] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return out


def dump(schema_cls, payload):
    """Only the declared fields leave the gateway; a payload that does not
    fit its own schema is a bug, shown to the client as a 500."""
    schema = instance(schema_cls)
    data = schema.dump(payload)
    problems = schema.validate(data)
    if problems:
        log.error("response does not match %s: %s", schema_cls.__name__,
                  sorted(problems))
        raise errors.InternalError()
    return data
