"""A stand-in for GOV.UK Notify's REST API on a local port, strict about
what Notify's documentation asks of a client, so a client that passes here
sends what Notify expects.

It checks every request: an `Authorization: Bearer <jwt>` header whose token
verifies with the API key's secret (HS256), names the service id as iss and
was issued (iat) within 30 seconds of now; the path and method; and each
send's fields: the required ones (and, stricter than Notify, personalisation
and reference, which our client always sends) and no unknown ones. It knows
two templates, an email one with ((subject)) and ((body)) and an SMS one with
((body)), and refuses personalisation that leaves a placeholder empty.

It answers 201 with a body shaped like Notify's, records each notification it
accepted, and implements GET /v2/notifications?reference= and
GET /v2/notifications/<id>. Tests can make the next requests fail (any status
and Notify error, with a Retry-After) or hang past the client's timeout.

    with FakeNotify() as notify:
        provider = NotifyProvider(notify.api_key, notify.base_url,
                                  notify.email_template_id, notify.sms_template_id)
"""
import base64
import binascii
import dataclasses
import json
import re
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

TOKEN_BOUND_SECONDS = 30
FILE_LIMIT_BYTES = 2 * 1024 * 1024
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PLACEHOLDER = re.compile(r"\(\(([^()]*)\)\)")

FIELDS = {
    "email": {"required": {"email_address", "template_id", "personalisation", "reference"},
              "optional": {"email_reply_to_id", "one_click_unsubscribe_url",
                           "sanitise_content_for", "scheduled_for"}},
    "sms": {"required": {"phone_number", "template_id", "personalisation", "reference"},
            "optional": {"sms_sender_id", "scheduled_for"}},
}
FILE_KEYS = {"file", "filename", "confirm_email_before_download", "retention_period"}

_DEFAULT_ERRORS = {
    400: ("ValidationError", "phone_number Not a UK mobile number"),
    401: ("AuthError", "Unauthorized: authentication token must be provided"),
    403: ("AuthError", "Invalid token: API key not found"),
    429: ("RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 "
                            "seconds"),
    500: ("Exception", "Internal server error"),
    503: ("Exception", "Service unavailable"),
}


def uk_mobile(number):
    """Notify's rule, roughly: a UK mobile is 07 and 9 more digits, in any of
    its international forms and with any spacing."""
    digits = re.sub(r"[\s()+.-]", "", number or "")
    for prefix in ("0044", "44", "0"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    return len(digits) == 10 and digits.startswith("7") and digits.isdigit()


@dataclasses.dataclass
class Fault:
    status: int
    error: str | None = None
    message: str | None = None
    retry_after: str | None = None
    hang_seconds: float | None = None   # sleep this long instead of answering at once
    record: bool = False                # when hanging: accept the notification first


class BadRequest(Exception):
    def __init__(self, status, error, message):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


class FakeNotify:
    def __init__(self, service_id=None, secret=None, key_name="townhall_test",
                 email_template_id=None, sms_template_id=None, host="127.0.0.1"):
        self.service_id = service_id or str(uuid.uuid4())
        self.secret = secret or str(uuid.uuid4())
        self.key_name = key_name
        self.email_template_id = email_template_id or str(uuid.uuid4())
        self.sms_template_id = sms_template_id or str(uuid.uuid4())
        self.templates = {
            self.email_template_id: {"type": "email", "subject": "((subject))",
                                     "body": "((body))", "version": 1},
            self.sms_template_id: {"type": "sms", "subject": None, "body": "((body))",
                                   "version": 1},
        }
        self.host = host
        self.notifications = []  # accepted, oldest first
        self.requests = []       # every request: method, path, status, claims, body
        self._faults = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = None
        self._thread = None

    # -- running --

    @property
    def api_key(self):
        return f"{self.key_name}-{self.service_id}-{self.secret}"

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        fake = self

        class Handler(_Handler):
            notify = fake

        self._stopping.clear()
        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()  # wakes hanging requests
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- what tests tell it --

    def fail_next(self, count=1, status=500, error=None, message=None, retry_after=None):
        """The next `count` sends (POSTs) answer `status` with Notify's error
        body; `retry_after` (seconds, or any header text) is sent as the
        Retry-After header."""
        default_error, default_message = _DEFAULT_ERRORS.get(status, ("Exception", "Error"))
        with self._lock:
            self._faults += [Fault(status, error or default_error, message or default_message,
                                   None if retry_after is None else str(retry_after))
                             for _ in range(count)]

    def time_out_next(self, count=1, seconds=5.0, record=False):
        """The next `count` sends hang for `seconds` (longer than the client
        waits). With record=True the notification is accepted first, as when
        Notify did the work but the answer was lost; without, it never
        arrives."""
        with self._lock:
            self._faults += [Fault(201, hang_seconds=seconds, record=record)
                             for _ in range(count)]

    def reset(self):
        with self._lock:
            self._faults.clear()
            self.notifications.clear()
            self.requests.clear()

    def by_reference(self, reference):
        with self._lock:
            return [n for n in self.notifications if n["reference"] == reference]

    def _next_fault(self):
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    # -- checks --

    def check_token(self, header):
        """The token's claims, or BadRequest as Notify would answer."""
        if not header:
            raise BadRequest(401, "AuthError",
                             "Unauthorized: authentication token must be provided")
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token.strip():
            raise BadRequest(401, "AuthError",
                             "Unauthorized: authentication bearer scheme must be used")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            header_fields = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise BadRequest(403, "AuthError", "Invalid token: signature, api token not found") \
                from None
        if header_fields.get("alg") != "HS256":
            raise BadRequest(403, "AuthError", "Invalid token: algorithm used is not HS256")
        if unverified.get("iss") != self.service_id:
            raise BadRequest(403, "AuthError", "Invalid token: service not found")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"],
                                options={"verify_iat": False, "require": ["iss", "iat"]})
        except jwt.MissingRequiredClaimError as e:
            raise BadRequest(403, "AuthError", f"Invalid token: {e.claim} field not provided") \
                from None
        except jwt.PyJWTError:
            raise BadRequest(403, "AuthError", "Invalid token: signature, api token not found") \
                from None
        iat = claims.get("iat")
        if isinstance(iat, bool) or not isinstance(iat, (int, float)) \
                or abs(time.time() - iat) > TOKEN_BOUND_SECONDS:
            raise BadRequest(403, "AuthError",
                             "Error: Your system clock must be accurate to within 30 seconds")
        return claims

    def check_send(self, kind, body):
        if not isinstance(body, dict):
            raise BadRequest(400, "ValidationError", "The request body must be a JSON object")
        spec = FIELDS[kind]
        unknown = sorted(set(body) - spec["required"] - spec["optional"])
        if unknown:
            raise BadRequest(400, "ValidationError",
                             f"Additional properties are not allowed ({', '.join(unknown)} "
                             f"{'was' if len(unknown) == 1 else 'were'} unexpected)")
        for field in sorted(spec["required"]):
            if field not in body:
                raise BadRequest(400, "ValidationError", f"{field} is a required property")
        if kind == "email":
            if not isinstance(body["email_address"], str) \
                    or not _EMAIL.match(body["email_address"]):
                raise BadRequest(400, "ValidationError",
                                 "email_address Not a valid email address")
        elif not isinstance(body["phone_number"], str) or not uk_mobile(body["phone_number"]):
            raise BadRequest(400, "ValidationError", "phone_number Not a UK mobile number")
        for field in ("template_id", "email_reply_to_id", "sms_sender_id"):
            if field in body and not (isinstance(body[field], str) and _UUID.match(body[field])):
                raise BadRequest(400, "ValidationError", f"{field} is not a valid UUID")
        if not isinstance(body["reference"], str):
            raise BadRequest(400, "ValidationError", "reference is not of type string")
        personalisation = body["personalisation"]
        if not isinstance(personalisation, dict):
            raise BadRequest(400, "ValidationError", "personalisation is not of type object")
        template = self.templates.get(body["template_id"])
        if template is None:
            raise BadRequest(400, "BadRequestError", "Template not found")
        if template["type"] != kind:
            raise BadRequest(400, "BadRequestError",
                             f"{template['type']} template is not suitable for {kind} "
                             "notification")
        for value in personalisation.values():
            if isinstance(value, dict):
                self._check_file(value)
        text = (template["subject"] or "") + template["body"]
        missing = [name for name in dict.fromkeys(_PLACEHOLDER.findall(text))
                   if not str(personalisation.get(name) or "").strip()]
        if missing:
            raise BadRequest(400, "BadRequestError",
                             f"Missing personalisation: {', '.join(missing)}")
        return template

    @staticmethod
    def _check_file(value):
        unknown = sorted(set(value) - FILE_KEYS)
        if unknown or "file" not in value:
            raise BadRequest(400, "ValidationError",
                             "personalisation: a file needs file and may have filename, "
                             "confirm_email_before_download, retention_period")
        try:
            content = base64.b64decode(value["file"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise BadRequest(400, "ValidationError", "personalisation: file is not base64") \
                from None
        if len(content) > FILE_LIMIT_BYTES:
            raise BadRequest(400, "BadRequestError", "File is larger than 2MB")

    # -- answers --

    def accept(self, kind, body, template):
        personalisation = body["personalisation"]

        def fill(text):
            return _PLACEHOLDER.sub(lambda m: str(personalisation.get(m.group(1), "")), text)

        nid = str(uuid.uuid4())
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        record = {
            "id": nid, "reference": body["reference"], "type": kind, "status": "created",
            "email_address": body.get("email_address"), "phone_number": body.get("phone_number"),
            "template_id": body["template_id"], "template_version": template["version"],
            "personalisation": personalisation,
            "subject": fill(template["subject"]) if template["subject"] else None,
            "body": fill(template["body"]), "created_at": now,
            "email_reply_to_id": body.get("email_reply_to_id"),
            "sms_sender_id": body.get("sms_sender_id"),
        }
        with self._lock:
            self.notifications.append(record)
        return record

    def sent_response(self, record):
        template = {"id": record["template_id"], "version": record["template_version"],
                    "uri": f"{self.base_url}/v2/template/{record['template_id']}"}
        if record["type"] == "email":
            content = {"from_email": "townhall.test@notifications.service.gov.uk",
                       "subject": record["subject"], "body": record["body"],
                       "one_click_unsubscribe_url": None}
        else:
            content = {"from_number": "GOVUK", "body": record["body"]}
        return {"id": record["id"], "reference": record["reference"], "content": content,
                "uri": f"{self.base_url}/v2/notifications/{record['id']}",
                "template": template, "scheduled_for": None}

    def notification_response(self, record):
        return {
            "id": record["id"], "reference": record["reference"],
            "email_address": record["email_address"], "phone_number": record["phone_number"],
            "line_1": None, "line_2": None, "line_3": None, "line_4": None, "line_5": None,
            "line_6": None, "postcode": None, "postage": None, "type": record["type"],
            "status": record["status"],
            "template": {"id": record["template_id"], "version": record["template_version"],
                         "uri": f"{self.base_url}/v2/template/{record['template_id']}"},
            "body": record["body"], "subject": record["subject"],
            "created_at": record["created_at"], "created_by_name": None,
            "sent_at": None, "completed_at": None, "scheduled_for": None,
            "one_click_unsubscribe_url": None, "is_cost_data_ready": False,
            "cost_in_pounds": None, "cost_details": {},
        }


class _Handler(BaseHTTPRequestHandler):
    notify = None  # set per server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, data, headers=None):
        payload = json.dumps(data).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _error(self, status, error, message, headers=None):
        self._reply(status, {"status_code": status,
                             "errors": [{"error": error, "message": message}]}, headers)

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _log(self, status, claims=None, body=None, path=None):
        with self.notify._lock:
            self.notify.requests.append({
                "method": self.command, "path": path or self.path, "status": status,
                "authorization": self.headers.get("Authorization"), "claims": claims,
                "body": body})

    def do_POST(self):
        notify = self.notify
        raw = self._read_body()
        path = urllib.parse.urlsplit(self.path).path
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        kind = {"/v2/notifications/email": "email", "/v2/notifications/sms": "sms"}.get(path)
        if kind is None:
            self._log(404, body=body)
            return self._error(404, "BadRequestError", "Not found")
        try:
            claims = notify.check_token(self.headers.get("Authorization"))
        except BadRequest as e:
            self._log(e.status, body=body)
            return self._error(e.status, e.error, e.message)
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._log(400, claims, body)
            return self._error(400, "BadRequestError", "Content-Type must be application/json")
        try:
            template = notify.check_send(kind, body)
        except BadRequest as e:
            self._log(e.status, claims, body)
            return self._error(e.status, e.error, e.message)
        fault = notify._next_fault()
        if fault and fault.hang_seconds is not None:
            record = notify.accept(kind, body, template) if fault.record else None
            self._log("hung", claims, body)
            notify._stopping.wait(fault.hang_seconds)
            if record is None:
                return self._error(500, "Exception", "Internal server error")
            return self._reply(201, notify.sent_response(record))
        if fault:
            self._log(fault.status, claims, body)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            return self._error(fault.status, fault.error, fault.message, headers)
        record = notify.accept(kind, body, template)
        self._log(201, claims, body)
        self._reply(201, notify.sent_response(record))

    def do_GET(self):
        notify = self.notify
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        try:
            claims = notify.check_token(self.headers.get("Authorization"))
        except BadRequest as e:
            self._log(e.status)
            return self._error(e.status, e.error, e.message)
        if parts.path == "/v2/notifications":
            unknown = set(query) - {"reference", "status", "template_type", "older_than",
                                    "include_jobs"}
            if unknown:
                self._log(400, claims)
                return self._error(400, "ValidationError",
                                   f"Additional properties are not allowed "
                                   f"({', '.join(sorted(unknown))} was unexpected)")
            with notify._lock:
                found = list(reversed(notify.notifications))  # newest first
            if "reference" in query:
                found = [n for n in found if n["reference"] == query["reference"][0]]
            if "template_type" in query:
                found = [n for n in found if n["type"] == query["template_type"][0]]
            self._log(200, claims)
            return self._reply(200, {
                "notifications": [notify.notification_response(n) for n in found],
                "links": {"current": f"{notify.base_url}{self.path}"}})
        match = re.fullmatch(r"/v2/notifications/([^/]+)", parts.path)
        if match:
            if not _UUID.match(match.group(1)):
                self._log(400, claims)
                return self._error(400, "ValidationError",
                                   "notification_id is not a valid UUID")
            with notify._lock:
                found = [n for n in notify.notifications if n["id"] == match.group(1)]
            if not found:
                self._log(404, claims)
                return self._error(404, "NoResultFound", "No result found")
            self._log(200, claims)
            return self._reply(200, notify.notification_response(found[0]))
        self._log(404, claims)
        self._error(404, "BadRequestError", "Not found")

    def _not_allowed(self):
        self._read_body()
        self._log(405)
        self._error(405, "BadRequestError", "The method is not allowed for the requested URL.")

    do_PUT = do_DELETE = do_PATCH = _not_allowed
