"""Sending a rendered message: GOV.UK Notify in production, SMTP or the log
in development and tests.

A provider takes one `OutgoingMessage` and either returns a `SendResult` or
raises `SendFailed`, whose `kind` (channels.classify) says whether to try the
same address again later (temporary) or never (permanent). Nothing here
decides when to retry or which channel to fall back to: that is the notify
service's job, with channels.choose and channels.backoff.

Personal data stays out of everything a provider logs or raises: a reason
names an error and a field ("Notify ValidationError: phone_number"), never an
address or a message body.

When a send times out we do not know whether it happened. `find(message_id)`
asks the provider: Notify can list notifications by the reference we gave
them (our message id), so a retry can be skipped when the first try did go
out. SMTP cannot be asked, so `SmtpProvider.find` always answers None and a
retry after a timeout may send the message twice; that is one reason Notify
is the production provider.
"""
import base64
import dataclasses
import email.utils
import logging
import re
import smtplib
import socket
import ssl
import time
from collections import OrderedDict
from datetime import datetime, timezone
from email.message import EmailMessage

import jwt
import requests
import urllib3

from services.notify.domain.channels import EMAIL, SMS, Failure, classify

log = logging.getLogger(__name__)

DEFAULT_NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
DEFAULT_TIMEOUT_SECONDS = 10
# Notify turns a file into a download link; it takes files up to 2MB.
NOTIFY_FILE_LIMIT_BYTES = 2 * 1024 * 1024
# The placeholder the Notify email template must hold for a file link.
NOTIFY_FILE_PLACEHOLDER = "link_to_file"

_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Notify's validation messages start with the field they are about.
_NOTIFY_FIELDS = ("email_address", "phone_number", "template_id", "personalisation",
                  "reference", "email_reply_to_id", "sms_sender_id")
_LOOKS_PERSONAL = re.compile(r"\S+@\S+|\+?\d[\d ()-]{5,}\d")


# --- What goes in and what comes out -----------------------------------------

@dataclasses.dataclass(frozen=True)
class OutgoingMessage:
    """One rendered message for one address.

    `message_id` is ours (a uuid string): Notify keeps it as the reference,
    SMTP puts it in the headers, and `find` looks it up. `attachment` is an
    optional (filename, content_type, bytes), such as a booking's .ics file.
    `template` ("slot-booked v2") is only for logs."""
    message_id: str
    channel: str
    to: str
    subject: str | None
    body: str
    attachment: tuple | None = None
    template: str | None = None

    def __post_init__(self):
        if self.channel not in (EMAIL, SMS):
            raise ValueError(f"channel must be email or sms, not {self.channel!r}")
        if not isinstance(self.message_id, str) or not self.message_id.strip():
            raise ValueError("message_id must be our id for the message")
        if self.attachment is not None:
            if (not isinstance(self.attachment, tuple) or len(self.attachment) != 3
                    or not isinstance(self.attachment[2], (bytes, bytearray))):
                raise ValueError("attachment must be (filename, content_type, bytes)")

    def __repr__(self):
        # Keeps addresses and bodies out of tracebacks and debug logs.
        return (f"OutgoingMessage(message_id={self.message_id!r}, channel={self.channel!r}, "
                f"template={self.template!r})")


@dataclasses.dataclass(frozen=True)
class SendResult:
    provider: str             # notify, smtp or log
    provider_id: str | None   # Notify's notification id; our Message-ID for SMTP
    status: str               # Notify's status (created, sending, delivered...); sent; logged


class SendFailed(Exception):
    """A send that did not succeed.

    kind:        "permanent" or "temporary" (a channels.Failure, from classify)
    reason:      short, without personal data, fit for logs and the database
    retry_after: seconds the provider asked us to wait (a 429's Retry-After), or None
    uncertain:   the request may have reached the provider (a timeout, a dropped
                 connection, a 5xx): call find() before sending again
    status_code, error: the HTTP status and Notify's error name, where known
    """

    def __init__(self, kind, reason, retry_after=None, uncertain=False, status_code=None,
                 error=None):
        super().__init__(reason)
        self.kind = Failure(kind)
        self.reason = reason
        self.retry_after = retry_after
        self.uncertain = uncertain
        self.status_code = status_code
        self.error = error

    @property
    def permanent(self):
        return self.kind is Failure.PERMANENT

    def __repr__(self):
        return f"SendFailed({self.kind.value}, {self.reason!r}, retry_after={self.retry_after!r})"


class Provider:
    """What every provider does. `name` goes into SendResult.provider."""
    name = "provider"

    def send(self, message):
        """Send `message`: a SendResult, or SendFailed."""
        raise NotImplementedError

    def find(self, message_id):
        """The SendResult of an earlier send of `message_id` if the provider
        has it, None if it has not (or cannot tell); SendFailed if it could
        not be asked."""
        raise NotImplementedError


def _safe(text, limit=120):
    """Provider text without anything that looks like an address or number."""
    text = _LOOKS_PERSONAL.sub("[redacted]", " ".join(str(text).split()))
    return text[:limit]


def retry_after_seconds(value, now=None):
    """A Retry-After header as seconds from now: digits, or an HTTP-date.
    None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


# --- GOV.UK Notify -------------------------------------------------------------

def parse_notify_api_key(api_key):
    """(service_id, secret) from "<key name>-<service id>-<secret>". The key
    name may hold hyphens; the two ids are the last 73 characters."""
    key = (api_key or "").strip()
    service_id, secret = key[-73:-37], key[-36:]
    if len(key) < 75 or key[-74] != "-" or key[-37] != "-" \
            or not _UUID.match(service_id) or not _UUID.match(secret):
        # Never echo the key: it is a secret.
        raise ValueError("NOTIFY_API_KEY is not a GOV.UK Notify API key: expected "
                         "<key name>-<service id>-<secret key>, as Notify's API integration "
                         "page shows it")
    return service_id, secret


def notify_token(service_id, secret, now=None):
    """The bearer token for one request: HS256, iss the service id, iat now
    in whole seconds. Notify refuses a token more than 30 seconds old, so
    make one per request."""
    now = int(time.time() if now is None else now)
    return jwt.encode({"iss": service_id, "iat": now}, secret, algorithm="HS256",
                      headers={"typ": "JWT"})


class NotifyProvider(Provider):
    """GOV.UK Notify's REST API, with requests and PyJWT.

    We render our own templates, so Notify holds just two: an email template
    whose subject is ((subject)) and body ((body)), and a text message
    template whose body is ((body)). Give Notify's ids as email_template_id
    and sms_template_id (a channel without one cannot be sent).

    Files: Notify does not attach files to emails; it turns one into a
    download link in the ((link_to_file)) placeholder. That needs the
    placeholder in the email template, a service with "send files by email"
    switched on, and a file type Notify accepts. So it is off unless
    `send_files` is true; when off, a message's attachment is left out (the
    email itself still goes). Files over 2MB fail the send, permanently.

    Test, team and live keys use the same API; only what Notify does with the
    message differs."""
    name = "notify"

    def __init__(self, api_key, base_url=DEFAULT_NOTIFY_BASE_URL, email_template_id=None,
                 sms_template_id=None, timeout=DEFAULT_TIMEOUT_SECONDS, email_reply_to_id=None,
                 sms_sender_id=None, send_files=False, session=None):
        self.service_id, self._secret = parse_notify_api_key(api_key)
        if not base_url or not str(base_url).startswith(("https://", "http://")):
            raise ValueError(f"NOTIFY_BASE_URL must be an http(s) URL, not {base_url!r}")
        for name, value in (("email_template_id", email_template_id),
                            ("sms_template_id", sms_template_id),
                            ("email_reply_to_id", email_reply_to_id),
                            ("sms_sender_id", sms_sender_id)):
            if value is not None and not _UUID.match(str(value)):
                raise ValueError(f"Notify's {name} must be a uuid, not {value!r}")
        self.base_url = str(base_url).rstrip("/")
        self.templates = {EMAIL: email_template_id, SMS: sms_template_id}
        self.timeout = float(timeout)
        self.email_reply_to_id = email_reply_to_id
        self.sms_sender_id = sms_sender_id
        self.send_files = bool(send_files)
        self.session = session or requests.Session()

    def __repr__(self):
        return f"NotifyProvider(base_url={self.base_url!r}, service_id={self.service_id!r})"

    # -- requests --

    def _headers(self):
        return {"Authorization": f"Bearer {notify_token(self.service_id, self._secret)}",
                "Content-Type": "application/json",
                "User-Agent": "townhall-notify"}

    def _request(self, method, path, **kwargs):
        """The response to one call, or SendFailed when there was none."""
        try:
            return self.session.request(method, self.base_url + path, headers=self._headers(),
                                        timeout=self.timeout, **kwargs)
        except requests.ConnectTimeout:
            # Never connected, so nothing was sent.
            raise SendFailed(classify(timeout=True), "Notify: could not connect in time") \
                from None
        except requests.Timeout:
            raise SendFailed(classify(timeout=True),
                             f"Notify: no answer within {self.timeout:g}s",
                             uncertain=True) from None
        except requests.ConnectionError as e:
            # Refused before anything was sent, or dropped after (then we
            # cannot tell whether Notify got it).
            reason = getattr(e.args[0], "reason", None) if e.args else None
            refused = isinstance(reason, urllib3.exceptions.NewConnectionError)
            raise SendFailed(classify(), "Notify: could not connect" if refused
                             else f"Notify: connection failed ({type(e).__name__})",
                             uncertain=not refused) from None
        except requests.RequestException as e:
            raise SendFailed(classify(), f"Notify: request failed ({type(e).__name__})",
                             uncertain=True) from None

    @staticmethod
    def _failure(resp):
        """SendFailed for an HTTP error answer from Notify."""
        error, detail = None, None
        try:
            errors = resp.json().get("errors") or []
            first = errors[0] if errors and isinstance(errors[0], dict) else {}
            error = first.get("error") if isinstance(first.get("error"), str) else None
            message = first.get("message")
        except (ValueError, AttributeError):
            message = None
        if isinstance(message, str) and message:
            head = message.split()[0] if message.split() else ""
            detail = head if head in _NOTIFY_FIELDS else _safe(message)
        status = resp.status_code
        if status >= 400:
            kind = classify(status_code=status, error_name=error)
        else:
            kind = classify()  # a redirect or other oddity: not the resident's fault
        reason = f"Notify {error or status}"
        if detail:
            reason += f": {detail}"
        retry_after = retry_after_seconds(resp.headers.get("Retry-After")) \
            if status == 429 else None
        return SendFailed(kind, reason, retry_after=retry_after, uncertain=status >= 500,
                          status_code=status, error=error)

    # -- sending --

    def _payload(self, message):
        template_id = self.templates[message.channel]
        if not template_id:
            raise ValueError(f"NotifyProvider has no {message.channel} template id: set "
                             f"NOTIFY_{message.channel.upper()}_TEMPLATE_ID")
        personalisation = {"body": message.body}
        if message.channel == EMAIL:
            personalisation["subject"] = message.subject or ""
            body = {"email_address": message.to}
            if self.email_reply_to_id:
                body["email_reply_to_id"] = self.email_reply_to_id
            if message.attachment is not None and self.send_files:
                personalisation[NOTIFY_FILE_PLACEHOLDER] = self._file(message.attachment)
        else:
            body = {"phone_number": message.to}
            if self.sms_sender_id:
                body["sms_sender_id"] = self.sms_sender_id
        body.update(template_id=template_id, personalisation=personalisation,
                    reference=message.message_id)
        return body

    @staticmethod
    def _file(attachment):
        """Notify's file personalisation, as its clients' prepare_upload
        builds it (filename is what the recipient downloads)."""
        filename, _content_type, content = attachment
        if len(content) > NOTIFY_FILE_LIMIT_BYTES:
            raise SendFailed(Failure.PERMANENT, "Notify: the file is larger than 2MB")
        return {"file": base64.b64encode(bytes(content)).decode("ascii"),
                "filename": filename}

    def send(self, message):
        payload = self._payload(message)
        resp = self._request("POST", f"/v2/notifications/{message.channel}", json=payload)
        if resp.status_code not in (200, 201):
            raise self._failure(resp)
        try:
            data = resp.json()
        except ValueError:
            data = {}
        notification_id = data.get("id") if isinstance(data, dict) else None
        return SendResult(self.name, notification_id, "created")

    def find(self, message_id):
        resp = self._request("GET", "/v2/notifications", params={"reference": message_id})
        if resp.status_code != 200:
            raise self._failure(resp)
        try:
            found = resp.json().get("notifications") or []
        except (ValueError, AttributeError):
            raise SendFailed(classify(), "Notify: the notification list was not JSON") from None
        for n in found:  # newest first
            if isinstance(n, dict) and n.get("reference") == message_id:
                return SendResult(self.name, n.get("id"), n.get("status") or "created")
        return None


# --- SMTP ------------------------------------------------------------------------

class SmtpProvider(Provider):
    """Email by SMTP (smtplib): the local devmail server in development, or a
    relay. Email only; text messages cannot go this way.

    Our message id goes into X-Townhall-Message-Id and the Message-ID, but an
    SMTP server cannot be asked later what it received: `find` answers None,
    so a send that timed out is sent again and may arrive twice."""
    name = "smtp"

    def __init__(self, host, port, sender, starttls=False, username=None, password=None,
                 timeout=DEFAULT_TIMEOUT_SECONDS):
        if not host:
            raise ValueError("SmtpProvider needs a host")
        if not sender or "@" not in sender:
            raise ValueError(f"SmtpProvider needs a sender address, not {sender!r}")
        if (username is None) != (password is None):
            raise ValueError("give both an SMTP username and password, or neither")
        self.host, self.port, self.sender = host, int(port), sender
        self.starttls = bool(starttls)
        self.username, self._password = username, password
        self.timeout = float(timeout)
        self.domain = sender.rpartition("@")[2] or "townhall.local"

    def __repr__(self):
        return f"SmtpProvider(host={self.host!r}, port={self.port!r})"

    def message_id_header(self, message_id):
        return f"<{message_id}@{self.domain}>"

    def build(self, message):
        """The EmailMessage that `send` sends."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = message.to
        msg["Subject"] = message.subject or ""
        msg["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = self.message_id_header(message.message_id)
        msg["X-Townhall-Message-Id"] = message.message_id
        msg.set_content(message.body)
        if message.attachment is not None:
            filename, content_type, content = message.attachment
            mime, _, rest = (content_type or "application/octet-stream").partition(";")
            maintype, _, subtype = mime.strip().lower().partition("/")
            params = {}
            for part in rest.split(";"):
                key, eq, value = part.strip().partition("=")
                if eq:
                    params[key.strip()] = value.strip().strip('"')
            msg.add_attachment(bytes(content), maintype=maintype or "application",
                               subtype=subtype or "octet-stream", filename=filename,
                               params=params or None)
        return msg

    def send(self, message):
        if message.channel != EMAIL:
            raise ValueError("SmtpProvider sends email only; text messages need Notify "
                             "(or the log provider in development)")
        try:
            msg = self.build(message)
        except (ValueError, TypeError):
            # A line break or the like in the address: it will never go.
            raise SendFailed(Failure.PERMANENT, "SMTP: the address or subject is not valid "
                                                "in an email header") from None
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username is not None:
                    smtp.login(self.username, self._password)
                refused = smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            code = codes[0] if codes else None
            raise SendFailed(_smtp_kind(code), f"SMTP {code}: recipient refused",
                             status_code=code) from None
        except smtplib.SMTPAuthenticationError as e:
            # Our credentials, not the resident's address: retry while it is fixed.
            raise SendFailed(Failure.TEMPORARY, f"SMTP {e.smtp_code}: authentication failed",
                             status_code=e.smtp_code) from None
        except smtplib.SMTPSenderRefused as e:
            raise SendFailed(Failure.TEMPORARY, f"SMTP {e.smtp_code}: sender refused",
                             status_code=e.smtp_code) from None
        except smtplib.SMTPResponseException as e:
            # Data refused and the like: 5xx is for good, 4xx for now.
            raise SendFailed(_smtp_kind(e.smtp_code), f"SMTP {e.smtp_code}: message refused",
                             status_code=e.smtp_code) from None
        except (socket.timeout, TimeoutError):
            raise SendFailed(classify(timeout=True),
                             f"SMTP: no answer within {self.timeout:g}s", uncertain=True) \
                from None
        except (smtplib.SMTPException, OSError) as e:
            raise SendFailed(classify(), f"SMTP: {type(e).__name__}", uncertain=True) from None
        if refused:  # some recipients refused; we only ever send to one
            code = next(iter(refused.values()))[0]
            raise SendFailed(_smtp_kind(code), f"SMTP {code}: recipient refused",
                             status_code=code)
        return SendResult(self.name, msg["Message-ID"], "sent")

    def find(self, message_id):
        return None  # SMTP cannot be asked; see the class docstring


def _smtp_kind(code):
    """An SMTP reply code: 5xx fails for good, anything else may pass later."""
    return Failure.PERMANENT if isinstance(code, int) and 500 <= code < 600 \
        else Failure.TEMPORARY


# --- The log -----------------------------------------------------------------

class LogProvider(Provider):
    """Writes a line that a message was sent (its id, channel and template;
    never its address or body) and reports it sent. For development and
    tests. Remembers the ids it logged, so `find` can answer."""
    name = "log"
    REMEMBERED = 10_000

    def __init__(self, logger=None):
        self.logger = logger or log
        self._sent = OrderedDict()

    def __repr__(self):
        return f"LogProvider(logger={self.logger.name!r})"

    def send(self, message):
        self.logger.info("message %s sent by %s (template %s), logged not delivered",
                         message.message_id, message.channel, message.template or "-",
                         extra={"message_id": message.message_id, "channel": message.channel,
                                "template": message.template,
                                "attachment": message.attachment is not None})
        result = SendResult(self.name, message.message_id, "logged")
        self._sent[message.message_id] = result
        while len(self._sent) > self.REMEMBERED:
            self._sent.popitem(last=False)
        return result

    def find(self, message_id):
        return self._sent.get(message_id)


# --- Choosing providers from configuration -------------------------------------

EMAIL_PROVIDERS = ("notify", "smtp", "log")
SMS_PROVIDERS = ("notify", "log")
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off", ""}


def _get(config, key, default=None):
    value = config.get(key, default)
    if isinstance(value, str):
        value = value.strip()
        return value if value else default
    return value


def _flag(config, key, default=False):
    value = config.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{key} must be true or false, not {value!r}")


def _number(config, key, default, kind=float):
    value = _get(config, key, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{key} must be more than 0, not {value!r}")
    return number


def _require(config, provider_key, provider, keys):
    missing = [k for k in keys if not _get(config, k)]
    if missing:
        raise ValueError(f"{provider_key}={provider} needs {', '.join(missing)}: set "
                         f"{'it' if len(missing) == 1 else 'them'}, or choose another provider")


def from_config(config, logger=None):
    """{"email": Provider, "sms": Provider} from a mapping such as the nameko
    config or os.environ. A provider must be chosen for each channel, and a
    chosen provider with missing settings stops the service starting
    (ValueError), rather than losing messages later.

    NOTIFY_EMAIL_PROVIDER   notify | smtp | log
    NOTIFY_SMS_PROVIDER     notify | log
    notify: NOTIFY_API_KEY, NOTIFY_EMAIL_TEMPLATE_ID and/or NOTIFY_SMS_TEMPLATE_ID;
            optional NOTIFY_BASE_URL (Notify's own by default), NOTIFY_TIMEOUT (10),
            NOTIFY_EMAIL_REPLY_TO_ID, NOTIFY_SMS_SENDER_ID, NOTIFY_SEND_FILES (false)
    smtp:   SMTP_HOST, SMTP_SENDER; optional SMTP_PORT (25), SMTP_STARTTLS (false),
            SMTP_USERNAME with SMTP_PASSWORD, SMTP_TIMEOUT (10)
    """
    email_choice = (_get(config, "NOTIFY_EMAIL_PROVIDER") or "").lower()
    sms_choice = (_get(config, "NOTIFY_SMS_PROVIDER") or "").lower()
    if email_choice not in EMAIL_PROVIDERS:
        raise ValueError(f"NOTIFY_EMAIL_PROVIDER must be one of {', '.join(EMAIL_PROVIDERS)}, "
                         f"not {email_choice or 'unset'}")
    if sms_choice == "smtp":
        raise ValueError("NOTIFY_SMS_PROVIDER cannot be smtp: text messages go by notify "
                         "(or log, in development)")
    if sms_choice not in SMS_PROVIDERS:
        raise ValueError(f"NOTIFY_SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}, "
                         f"not {sms_choice or 'unset'}")

    notify = None
    if "notify" in (email_choice, sms_choice):
        needed = ["NOTIFY_API_KEY"]
        if email_choice == "notify":
            _require(config, "NOTIFY_EMAIL_PROVIDER", "notify",
                     needed + ["NOTIFY_EMAIL_TEMPLATE_ID"])
        if sms_choice == "notify":
            _require(config, "NOTIFY_SMS_PROVIDER", "notify",
                     needed + ["NOTIFY_SMS_TEMPLATE_ID"])
        notify = NotifyProvider(
            api_key=_get(config, "NOTIFY_API_KEY"),
            base_url=_get(config, "NOTIFY_BASE_URL", DEFAULT_NOTIFY_BASE_URL),
            email_template_id=_get(config, "NOTIFY_EMAIL_TEMPLATE_ID")
            if email_choice == "notify" else None,
            sms_template_id=_get(config, "NOTIFY_SMS_TEMPLATE_ID")
            if sms_choice == "notify" else None,
            timeout=_number(config, "NOTIFY_TIMEOUT", DEFAULT_TIMEOUT_SECONDS),
            email_reply_to_id=_get(config, "NOTIFY_EMAIL_REPLY_TO_ID"),
            sms_sender_id=_get(config, "NOTIFY_SMS_SENDER_ID"),
            send_files=_flag(config, "NOTIFY_SEND_FILES"))

    log_provider = None
    if "log" in (email_choice, sms_choice):
        log_provider = LogProvider(logger)

    if email_choice == "notify":
        email_provider = notify
    elif email_choice == "smtp":
        _require(config, "NOTIFY_EMAIL_PROVIDER", "smtp", ["SMTP_HOST", "SMTP_SENDER"])
        username, password = _get(config, "SMTP_USERNAME"), _get(config, "SMTP_PASSWORD")
        if (username is None) != (password is None):
            raise ValueError("SMTP_USERNAME and SMTP_PASSWORD go together: set both or neither")
        email_provider = SmtpProvider(
            host=_get(config, "SMTP_HOST"), port=_number(config, "SMTP_PORT", 25, int),
            sender=_get(config, "SMTP_SENDER"), starttls=_flag(config, "SMTP_STARTTLS"),
            username=username, password=password,
            timeout=_number(config, "SMTP_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))
    else:
        email_provider = log_provider
    sms_provider = notify if sms_choice == "notify" else log_provider
    return {EMAIL: email_provider, SMS: sms_provider}
