"""The senders, against stand-ins that check what they are sent: GOV.UK
Notify's API (tests/support/fake_notify.py), an SMTP server
(tests/support/smtp_server.py), and the development mail server in its own
process."""
import base64
import email.utils
import logging
import signal
import smtplib
import socket
import time
import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import requests

from tools import devmail
from services.notify.domain.channels import Failure, backoff
from services.notify.providers import (
    LogProvider, NotifyProvider, OutgoingMessage, SendFailed, SendResult, SmtpProvider,
    from_config, notify_token, parse_notify_api_key, retry_after_seconds)
from tests.support.fake_notify import FakeNotify
from tests.support.smtp_server import SmtpServer, free_port
from tests.support.stack import devmail_command, spawn, tail

MAIL, MOBILE, LANDLINE = "sam.resident@example.com", "07700 900982", "01632 960001"
ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Townhall//bookings//EN\r\n"
       b"BEGIN:VEVENT\r\nUID:booking-1@townhall\r\nDTSTART:20300101T100000Z\r\n"
       b"SUMMARY:Appointment\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def email_message(to=MAIL, attachment=None, **kw):
    return OutgoingMessage(message_id=str(uuid.uuid4()), channel="email", to=to,
                           subject="Your appointment is booked",
                           body="# Booked\n\nSee you on 1 January at 10am.",
                           attachment=attachment, template="slot-booked v1", **kw)


def sms_message(to=MOBILE):
    return OutgoingMessage(message_id=str(uuid.uuid4()), channel="sms", to=to, subject=None,
                           body="Your appointment is booked for 1 January at 10am.",
                           template="slot-booked v1")


@pytest.fixture
def notify():
    with FakeNotify() as fake:
        yield fake


def provider_for(fake, **kw):
    return NotifyProvider(fake.api_key, fake.base_url, fake.email_template_id,
                          fake.sms_template_id, **kw)


@pytest.fixture
def provider(notify):
    return provider_for(notify, timeout=5)


# --- GOV.UK Notify ----------------------------------------------------------------

def test_an_email_goes_with_a_valid_token_and_notifys_fields(notify, provider):
    message = email_message()
    result = provider.send(message)

    [sent] = notify.notifications
    assert result == SendResult("notify", sent["id"], "created")
    assert sent["type"] == "email"
    assert sent["email_address"] == MAIL
    assert sent["template_id"] == notify.email_template_id
    assert sent["reference"] == message.message_id
    assert sent["personalisation"] == {"subject": message.subject, "body": message.body}
    assert (sent["subject"], sent["body"]) == (message.subject, message.body)

    [request] = notify.requests
    assert (request["method"], request["path"], request["status"]) == \
        ("POST", "/v2/notifications/email", 201)
    assert set(request["body"]) == {"email_address", "template_id", "personalisation",
                                    "reference"}
    scheme, token = request["authorization"].split(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, notify.secret, algorithms=["HS256"])
    assert claims["iss"] == notify.service_id
    assert abs(claims["iat"] - time.time()) < 5 and isinstance(claims["iat"], int)


def test_a_text_message_goes_with_notifys_fields(notify, provider):
    message = sms_message()
    result = provider.send(message)

    [sent] = notify.notifications
    assert result.provider_id == sent["id"]
    assert sent["type"] == "sms"
    assert sent["phone_number"] == MOBILE
    assert sent["template_id"] == notify.sms_template_id
    assert sent["reference"] == message.message_id
    assert sent["personalisation"] == {"body": message.body}
    assert notify.requests[0]["path"] == "/v2/notifications/sms"
    assert notify.requests[0]["claims"]["iss"] == notify.service_id


def test_each_request_has_a_fresh_token(notify, provider, monkeypatch):
    provider.send(sms_message())
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + 20)
    provider.send(sms_message())
    first, second = (r["claims"]["iat"] for r in notify.requests)
    assert second - first >= 19


def test_reply_to_and_sender_ids_are_sent_when_configured(notify):
    reply_to, sender = str(uuid.uuid4()), str(uuid.uuid4())
    provider = provider_for(notify, email_reply_to_id=reply_to, sms_sender_id=sender)
    provider.send(email_message())
    provider.send(sms_message())
    email_sent, sms_sent = notify.notifications
    assert email_sent["email_reply_to_id"] == reply_to
    assert sms_sent["sms_sender_id"] == sender


def test_a_file_is_left_out_unless_files_are_switched_on(notify, provider):
    provider.send(email_message(attachment=("booking.ics", "text/calendar", ICS)))
    assert "link_to_file" not in notify.notifications[0]["personalisation"]


def test_a_file_goes_as_notifys_link_to_file_when_switched_on(notify):
    provider = provider_for(notify, send_files=True)
    provider.send(email_message(attachment=("booking.ics", "text/calendar", ICS)))
    link = notify.notifications[0]["personalisation"]["link_to_file"]
    assert link == {"file": base64.b64encode(ICS).decode("ascii"), "filename": "booking.ics"}


def test_a_file_over_notifys_limit_fails_for_good_without_a_request(notify):
    provider = provider_for(notify, send_files=True)
    with pytest.raises(SendFailed) as failed:
        provider.send(email_message(attachment=("big.pdf", "application/pdf",
                                                b"x" * (2 * 1024 * 1024 + 1))))
    assert failed.value.kind is Failure.PERMANENT
    assert notify.requests == []


def test_a_number_notify_refuses_is_a_permanent_failure_without_the_number(notify, provider):
    with pytest.raises(SendFailed) as failed:
        provider.send(sms_message(to=LANDLINE))
    e = failed.value
    assert (e.kind, e.status_code, e.error) == (Failure.PERMANENT, 400, "ValidationError")
    assert e.reason == "Notify ValidationError: phone_number"
    assert not e.uncertain and e.retry_after is None
    assert "1632" not in str(e) and "1632" not in repr(e)
    assert notify.notifications == []


def test_an_address_notify_refuses_is_permanent_and_not_in_the_reason(notify, provider):
    with pytest.raises(SendFailed) as failed:
        provider.send(email_message(to="sam.resident@nowhere"))
    assert failed.value.kind is Failure.PERMANENT
    assert failed.value.reason == "Notify ValidationError: email_address"


def test_a_bad_request_error_is_permanent(notify, provider):
    notify.fail_next(1, 400, "BadRequestError",
                     "Can’t send to this recipient using a team-only API key")
    with pytest.raises(SendFailed) as failed:
        provider.send(email_message())
    assert failed.value.kind is Failure.PERMANENT
    assert failed.value.reason.startswith("Notify BadRequestError: ")


def test_a_server_error_is_temporary_and_may_have_gone(notify, provider):
    notify.fail_next(1, 500)
    with pytest.raises(SendFailed) as failed:
        provider.send(email_message())
    e = failed.value
    assert (e.kind, e.status_code, e.retry_after) == (Failure.TEMPORARY, 500, None)
    assert e.uncertain  # find() before trying again
    assert backoff(1, e.retry_after) == 10

    message = email_message()
    assert provider.send(message).status == "created"  # the next one goes
    assert [n["reference"] for n in notify.notifications] == [message.message_id]


@pytest.mark.parametrize("error", ["RateLimitError", "TooManyRequestsError"])
def test_a_429_is_temporary_and_its_retry_after_is_honoured(notify, provider, error):
    notify.fail_next(1, 429, error, retry_after=7)
    with pytest.raises(SendFailed) as failed:
        provider.send(sms_message())
    e = failed.value
    assert (e.kind, e.status_code, e.error) == (Failure.TEMPORARY, 429, error)
    assert e.retry_after == 7.0
    assert backoff(3, e.retry_after) == 7.0  # what Notify asked for, not our doubling
    assert notify.notifications == []


def test_a_429_with_an_http_date_becomes_seconds(notify, provider):
    when = datetime.now(timezone.utc) + timedelta(seconds=90)
    notify.fail_next(1, 429, retry_after=email.utils.format_datetime(when, usegmt=True))
    with pytest.raises(SendFailed) as failed:
        provider.send(sms_message())
    assert 80 <= failed.value.retry_after <= 91


def test_a_429_without_retry_after_leaves_the_wait_to_backoff(notify, provider):
    notify.fail_next(1, 429)
    with pytest.raises(SendFailed) as failed:
        provider.send(sms_message())
    assert failed.value.retry_after is None
    assert backoff(2, failed.value.retry_after) == 20


def test_retry_after_values():
    now = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Tue, 01 Jan 2030 12:01:00 GMT", now=now) == 60.0
    assert retry_after_seconds("Tue, 01 Jan 2030 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize("received", [True, False])
def test_after_a_timeout_find_tells_whether_notify_got_it(notify, received):
    provider = provider_for(notify, timeout=0.5)
    message = email_message()
    notify.time_out_next(1, seconds=10, record=received)

    started = time.monotonic()
    with pytest.raises(SendFailed) as failed:
        provider.send(message)
    assert time.monotonic() - started < 5
    e = failed.value
    assert e.kind is Failure.TEMPORARY and e.uncertain
    assert e.reason == "Notify: no answer within 0.5s"

    found = provider.find(message.message_id)
    if received:
        [sent] = notify.by_reference(message.message_id)
        assert found == SendResult("notify", sent["id"], "created")
    else:
        assert found is None
        assert notify.notifications == []
    assert notify.requests[-1]["path"] == f"/v2/notifications?reference={message.message_id}"


def test_find_ignores_other_references(notify, provider):
    provider.send(email_message())
    assert provider.find(str(uuid.uuid4())) is None


def test_an_unreachable_notify_is_temporary():
    port = free_port()
    provider = NotifyProvider(f"k-{uuid.uuid4()}-{uuid.uuid4()}", f"http://127.0.0.1:{port}",
                              str(uuid.uuid4()), str(uuid.uuid4()), timeout=2)
    with pytest.raises(SendFailed) as failed:
        provider.send(sms_message())
    assert failed.value.kind is Failure.TEMPORARY
    assert failed.value.reason == "Notify: could not connect"
    assert not failed.value.uncertain  # nothing reached Notify


def test_a_wrong_secret_is_refused_by_the_fake(notify):
    wrong = f"{notify.key_name}-{notify.service_id}-{uuid.uuid4()}"
    provider = NotifyProvider(wrong, notify.base_url, notify.email_template_id,
                              notify.sms_template_id)
    with pytest.raises(SendFailed) as failed:
        provider.send(email_message())
    e = failed.value
    # Our key, not the resident's address: retry while someone fixes it.
    assert (e.kind, e.status_code, e.error) == (Failure.TEMPORARY, 403, "AuthError")
    assert notify.notifications == []
    assert notify.requests[-1]["status"] == 403


def _post(notify, headers, body=None):
    body = body if body is not None else {
        "email_address": MAIL, "template_id": notify.email_template_id,
        "personalisation": {"subject": "s", "body": "b"}, "reference": str(uuid.uuid4())}
    return requests.post(notify.base_url + "/v2/notifications/email", json=body,
                         headers=headers, timeout=5)


@pytest.mark.parametrize("make_header, status, message", [
    (lambda n: None, 401, "authentication token must be provided"),
    (lambda n: "Basic " + base64.b64encode(b"a:b").decode(), 401, "bearer"),
    (lambda n: "Bearer not-a-jwt", 403, "Invalid token"),
    (lambda n: "Bearer " + notify_token(n.service_id, str(uuid.uuid4())), 403,
     "signature"),
    (lambda n: "Bearer " + notify_token(str(uuid.uuid4()), n.secret), 403,
     "service not found"),
    (lambda n: "Bearer " + notify_token(n.service_id, n.secret, now=time.time() - 60), 403,
     "within 30 seconds"),
    (lambda n: "Bearer " + notify_token(n.service_id, n.secret, now=time.time() + 60), 403,
     "within 30 seconds"),
    (lambda n: "Bearer " + jwt.encode({"iss": n.service_id}, n.secret, algorithm="HS256"),
     403, "iat"),
    (lambda n: "Bearer " + jwt.encode({"iss": n.service_id, "iat": int(time.time())},
                                      n.secret * 2, algorithm="HS512"), 403, "HS256"),
])
def test_the_fake_checks_the_token(notify, make_header, status, message):
    header = make_header(notify)
    resp = _post(notify, {"Authorization": header} if header else {})
    assert resp.status_code == status
    body = resp.json()
    assert body["status_code"] == status
    assert body["errors"][0]["error"] == "AuthError"
    assert message in body["errors"][0]["message"]
    assert notify.notifications == []


@pytest.mark.parametrize("change, error, message", [
    (lambda b: b.update(colour="blue"), "ValidationError", "colour was unexpected"),
    (lambda b: b.pop("reference"), "ValidationError", "reference is a required property"),
    (lambda b: b.pop("personalisation"), "ValidationError", "personalisation is a required"),
    (lambda b: b.update(template_id="nope"), "ValidationError", "template_id"),
    (lambda b: b.update(template_id=str(uuid.uuid4())), "BadRequestError",
     "Template not found"),
    (lambda b: b["personalisation"].pop("subject"), "BadRequestError",
     "Missing personalisation: subject"),
])
def test_the_fake_checks_the_fields(notify, change, error, message):
    body = {"email_address": MAIL, "template_id": notify.email_template_id,
            "personalisation": {"subject": "s", "body": "b"}, "reference": str(uuid.uuid4())}
    change(body)
    headers = {"Authorization": "Bearer " + notify_token(notify.service_id, notify.secret)}
    resp = _post(notify, headers, body)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["error"] == error
    assert message in resp.json()["errors"][0]["message"]


def test_the_fake_refuses_an_sms_template_for_an_email(notify):
    body = {"email_address": MAIL, "template_id": notify.sms_template_id,
            "personalisation": {"body": "b"}, "reference": "r"}
    headers = {"Authorization": "Bearer " + notify_token(notify.service_id, notify.secret)}
    resp = _post(notify, headers, body)
    assert resp.status_code == 400
    assert "sms template is not suitable for email" in resp.json()["errors"][0]["message"]


def test_the_fake_answers_a_send_as_notify_does(notify):
    headers = {"Authorization": "Bearer " + notify_token(notify.service_id, notify.secret)}
    resp = _post(notify, headers)
    assert resp.status_code == 201
    body = resp.json()
    assert set(body) >= {"id", "reference", "content", "uri", "template"}
    assert set(body["content"]) >= {"subject", "body", "from_email"}
    got = requests.get(body["uri"], headers={
        "Authorization": "Bearer " + notify_token(notify.service_id, notify.secret)}, timeout=5)
    assert got.status_code == 200 and got.json()["id"] == body["id"]


@pytest.mark.parametrize("key", ["", "not-a-key", f"name-{uuid.uuid4()}",
                                 f"name-{uuid.uuid4()}-{'x' * 36}"])
def test_a_malformed_api_key_is_refused_without_echoing_it(key):
    with pytest.raises(ValueError) as refused:
        parse_notify_api_key(key)
    assert "NOTIFY_API_KEY" in str(refused.value)
    if key:
        assert key not in str(refused.value)


def test_a_key_name_may_hold_hyphens():
    service, secret = str(uuid.uuid4()), str(uuid.uuid4())
    assert parse_notify_api_key(f"my-live-key-{service}-{secret}") == (service, secret)


def test_notify_provider_keeps_its_secret_out_of_repr(notify, provider):
    assert notify.secret not in repr(provider)
    assert MAIL not in repr(email_message())


# --- SMTP ----------------------------------------------------------------------------

@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def test_smtp_delivers_subject_body_and_the_calendar_file(smtp):
    provider = SmtpProvider(smtp.host, smtp.port, "Townhall <bookings@council.example>",
                            timeout=5)
    message = email_message(attachment=("appointment.ics", "text/calendar; method=PUBLISH",
                                        ICS))
    result = provider.send(message)

    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == (MAIL,)
    assert received.mail_from == "bookings@council.example"
    mail = received.email
    assert mail["To"] == MAIL
    assert mail["Subject"] == message.subject
    assert mail["X-Townhall-Message-Id"] == message.message_id
    assert mail["Message-ID"] == f"<{message.message_id}@council.example>"
    assert result == SendResult("smtp", mail["Message-ID"], "sent")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.replace("\r\n", "\n").strip() == message.body
    [ics] = list(mail.iter_attachments())
    assert ics.get_filename() == "appointment.ics"
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "PUBLISH"
    assert ics.get_payload(decode=True) == ICS


def test_smtp_without_a_file_is_one_plain_text_part(smtp):
    SmtpProvider(smtp.host, smtp.port, "bookings@council.example").send(email_message())
    mail = smtp.wait_for(1)[0].email
    assert mail.get_content_type() == "text/plain"
    assert list(mail.iter_attachments()) == []


@pytest.mark.parametrize("code, kind", [(550, Failure.PERMANENT), (450, Failure.TEMPORARY)])
def test_smtp_recipient_refused(smtp, code, kind):
    smtp.refuse[MAIL] = code
    provider = SmtpProvider(smtp.host, smtp.port, "bookings@council.example")
    with pytest.raises(SendFailed) as failed:
        provider.send(email_message())
    assert failed.value.kind is kind
    assert failed.value.reason == f"SMTP {code}: recipient refused"
    assert MAIL not in str(failed.value)
    assert smtp.messages == []


def test_smtp_refuses_an_address_that_would_break_the_headers(smtp):
    provider = SmtpProvider(smtp.host, smtp.port, "bookings@council.example")
    with pytest.raises(SendFailed) as failed:
        provider.send(email_message(to="sam@example.com\r\nBcc: everyone@example.com"))
    assert failed.value.kind is Failure.PERMANENT
    assert "example.com" not in failed.value.reason
    assert smtp.messages == []


def test_smtp_server_down_is_temporary():
    provider = SmtpProvider("127.0.0.1", free_port(), "bookings@council.example", timeout=2)
    with pytest.raises(SendFailed) as failed:
        provider.send(email_message())
    assert failed.value.kind is Failure.TEMPORARY


def test_smtp_sends_email_only_and_cannot_find():
    provider = SmtpProvider("127.0.0.1", 25, "bookings@council.example")
    with pytest.raises(ValueError, match="email only"):
        provider.send(sms_message())
    assert provider.find(str(uuid.uuid4())) is None


# --- The log ----------------------------------------------------------------------------

def test_the_log_provider_logs_no_address_or_body(caplog):
    logger = logging.getLogger("tests.notify.log_provider")
    provider = LogProvider(logger)
    email_out = email_message(attachment=("appointment.ics", "text/calendar", ICS))
    sms_out = sms_message()
    with caplog.at_level(logging.INFO, logger=logger.name):
        email_result = provider.send(email_out)
        provider.send(sms_out)

    assert email_result == SendResult("log", email_out.message_id, "logged")
    assert len(caplog.records) == 2
    text = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    for secret in (MAIL, MOBILE, email_out.subject, email_out.body, sms_out.body, "VCALENDAR"):
        assert secret not in text
    assert email_out.message_id in caplog.records[0].getMessage()
    assert "email" in caplog.records[0].getMessage()
    assert "slot-booked v1" in caplog.records[0].getMessage()
    assert "sms" in caplog.records[1].getMessage()
    assert provider.find(sms_out.message_id).provider_id == sms_out.message_id
    assert provider.find(str(uuid.uuid4())) is None


# --- Choosing from configuration ------------------------------------------------------

def test_from_config_log_for_both():
    providers = from_config({"NOTIFY_EMAIL_PROVIDER": "log", "NOTIFY_SMS_PROVIDER": "log"})
    assert isinstance(providers["email"], LogProvider)
    assert providers["sms"] is providers["email"]


def test_from_config_notify_for_both_shares_one_client(notify):
    providers = from_config({
        "NOTIFY_EMAIL_PROVIDER": "notify", "NOTIFY_SMS_PROVIDER": "notify",
        "NOTIFY_API_KEY": notify.api_key, "NOTIFY_BASE_URL": notify.base_url,
        "NOTIFY_EMAIL_TEMPLATE_ID": notify.email_template_id,
        "NOTIFY_SMS_TEMPLATE_ID": notify.sms_template_id, "NOTIFY_TIMEOUT": "3"})
    assert isinstance(providers["email"], NotifyProvider)
    assert providers["sms"] is providers["email"]
    assert providers["email"].timeout == 3.0
    providers["email"].send(email_message())
    providers["sms"].send(sms_message())
    assert [n["type"] for n in notify.notifications] == ["email", "sms"]


def test_from_config_defaults_to_notifys_own_url():
    key = f"live-{uuid.uuid4()}-{uuid.uuid4()}"
    providers = from_config({"NOTIFY_EMAIL_PROVIDER": "log", "NOTIFY_SMS_PROVIDER": "notify",
                             "NOTIFY_API_KEY": key, "NOTIFY_SMS_TEMPLATE_ID": str(uuid.uuid4())})
    assert providers["sms"].base_url == "https://api.notifications.service.gov.uk"
    assert isinstance(providers["email"], LogProvider)


def test_from_config_smtp_for_email_and_log_for_sms(smtp):
    providers = from_config({
        "NOTIFY_EMAIL_PROVIDER": "smtp", "NOTIFY_SMS_PROVIDER": "log",
        "SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port),
        "SMTP_SENDER": "bookings@council.example", "SMTP_STARTTLS": "false"})
    assert isinstance(providers["email"], SmtpProvider)
    assert isinstance(providers["sms"], LogProvider)
    providers["email"].send(email_message())
    assert len(smtp.wait_for(1)) == 1


@pytest.mark.parametrize("config, words", [
    ({}, ["NOTIFY_EMAIL_PROVIDER", "unset"]),
    ({"NOTIFY_EMAIL_PROVIDER": "log"}, ["NOTIFY_SMS_PROVIDER"]),
    ({"NOTIFY_EMAIL_PROVIDER": "pigeon", "NOTIFY_SMS_PROVIDER": "log"}, ["pigeon"]),
    ({"NOTIFY_EMAIL_PROVIDER": "log", "NOTIFY_SMS_PROVIDER": "smtp"}, ["cannot be smtp"]),
    ({"NOTIFY_EMAIL_PROVIDER": "notify", "NOTIFY_SMS_PROVIDER": "log"},
     ["NOTIFY_API_KEY", "NOTIFY_EMAIL_TEMPLATE_ID"]),
    ({"NOTIFY_EMAIL_PROVIDER": "log", "NOTIFY_SMS_PROVIDER": "notify",
      "NOTIFY_API_KEY": f"k-{uuid.uuid4()}-{uuid.uuid4()}"}, ["NOTIFY_SMS_TEMPLATE_ID"]),
    ({"NOTIFY_EMAIL_PROVIDER": "notify", "NOTIFY_SMS_PROVIDER": "log",
      "NOTIFY_API_KEY": "rubbish", "NOTIFY_EMAIL_TEMPLATE_ID": str(uuid.uuid4())},
     ["not a GOV.UK Notify API key"]),
    ({"NOTIFY_EMAIL_PROVIDER": "smtp", "NOTIFY_SMS_PROVIDER": "log"},
     ["SMTP_HOST", "SMTP_SENDER"]),
    ({"NOTIFY_EMAIL_PROVIDER": "smtp", "NOTIFY_SMS_PROVIDER": "log", "SMTP_HOST": "mail",
      "SMTP_SENDER": "a@b.example", "SMTP_USERNAME": "u"}, ["SMTP_PASSWORD"]),
    ({"NOTIFY_EMAIL_PROVIDER": "smtp", "NOTIFY_SMS_PROVIDER": "log", "SMTP_HOST": "mail",
      "SMTP_SENDER": "a@b.example", "SMTP_STARTTLS": "maybe"}, ["SMTP_STARTTLS"]),
    ({"NOTIFY_EMAIL_PROVIDER": "smtp", "NOTIFY_SMS_PROVIDER": "log", "SMTP_HOST": "mail",
      "SMTP_SENDER": "a@b.example", "SMTP_PORT": "twenty-five"}, ["SMTP_PORT"]),
])
def test_from_config_refuses_to_start_without_its_settings(config, words):
    with pytest.raises(ValueError) as refused:
        from_config(config)
    for word in words:
        assert word in str(refused.value)


# --- The development mail server ------------------------------------------------------

def _wait_for_port(port, process, log, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"devmail exited: {tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("devmail did not start listening")


def _wait_for_messages(maildir, count, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = devmail.list_messages(maildir)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected {count} messages in {maildir}")


def test_devmail_stores_what_it_receives_and_lists_it_newest_first(tmp_path):
    maildir = tmp_path / "mail"
    port = free_port()
    log = tmp_path / "devmail.log"
    process = spawn(devmail_command(port, maildir), log)
    try:
        _wait_for_port(port, process, log)
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.sendmail("someone@example.com", ["first@example.com"],
                            b"From: someone@example.com\r\nTo: first@example.com\r\n"
                            b"Subject: The first\r\n\r\nHello first.\r\n")
        _wait_for_messages(maildir, 1)
        provider = SmtpProvider("127.0.0.1", port, "bookings@council.example", timeout=5)
        message = email_message(attachment=("appointment.ics", "text/calendar", ICS))
        provider.send(message)

        newest, oldest = _wait_for_messages(maildir, 2)
        assert newest["id"] == message.message_id
        assert newest["to"] == MAIL
        assert newest["subject"] == message.subject
        assert newest["body_text"].strip() == message.body
        assert newest["attachments"] == ["appointment.ics"]
        assert newest["file"].endswith(f"-{message.message_id}.eml")
        assert datetime.fromisoformat(newest["received_at"]) >= \
            datetime.fromisoformat(oldest["received_at"])
        assert oldest["subject"] == "The first"
        assert oldest["to"] == "first@example.com"
        assert oldest["body_text"].strip() == "Hello first."
        assert devmail.list_messages(maildir, limit=1) == [newest]
        assert len(list(maildir.glob("*.eml"))) == 2
        assert list(maildir.glob(".*")) == []  # no temporary files left

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        output = log.read_text()
        assert "devmail stopping" in output
        assert MAIL not in output  # file names and ids only
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_devmail_list_of_a_missing_directory_is_empty(tmp_path):
    assert devmail.list_messages(tmp_path / "nowhere") == []
