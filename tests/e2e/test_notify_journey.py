"""Residents told what happened, through every real process: a report,
a triage and a booking made at the gateway reach the resident's inbox (the
development mail server) or phone (the Notify stand-in) once; Notify's
receipts come back through the gateway; the resident's timeline lists it
all."""

import re
import time
import uuid

import pytest
import requests

from services.council.words import local_today
from tests.conftest import query
from tests.support.bins_stack import call, reportable
from tests.support.bookings_stack import book, slots, working_days
from tests.support.housing_answers import ordinary_answers
from tests.support.housing_stack import file_case
from tests.support.notify_stack import CALLBACK_TOKEN
from tests.support.pages import csrf
from tests.support.waiting import wait_until


def supervisor(stack):
    return stack.bearer("sup-e2e", ["supervisor"])


def address():
    return f"resident-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture(scope="module")
def targets(notify_stack, notify_dbs):
    return reportable(notify_stack, notify_dbs["bins"], wanted=5)


def sentinel(stack, target):
    """A report filed (on a collection no other test uses) after whatever a
    test checks did not happen, and its email: once it has arrived, anything
    filed before it has been handled."""
    to = address()
    filed = call(stack, "POST", "/api/v1/bins/reports", json={
        "uprn": target["uprn"], "service": target["service"], "email": to})
    assert filed.status_code == 201, filed.text
    return stack.inbox.wait_for(1, to=to)


def test_a_missed_bin_report_puts_exactly_one_email_in_the_local_inbox_within_a_second(
        notify_stack, targets):
    to = address()
    target = targets[0]
    filed = call(notify_stack, "POST", "/api/v1/bins/reports", json={
        "uprn": target["uprn"], "service": target["service"], "email": to})
    assert filed.status_code == 201, filed.text
    filed_at = time.monotonic()
    reference = filed.json()["report"]["reference"]

    [mail] = notify_stack.inbox.wait_for(1, timeout=1.0, to=to)
    arrived = time.monotonic() - filed_at
    assert arrived < 1.0
    assert mail["subject"] == f"Missed collection reported: {reference}"
    assert "https://council.example/bins/track/" in mail["body_text"]

    # the same filing again is the same report: nothing new is sent
    again = call(notify_stack, "POST", "/api/v1/bins/reports", json={
        "uprn": target["uprn"], "service": target["service"], "email": to})
    assert again.status_code == 200
    sentinel(notify_stack, targets[3])
    assert len([m for m in notify_stack.inbox.messages() if to in m["to"]]) == 1

    page = call(notify_stack, "GET", "/dev/inbox")
    assert page.status_code == 200 and reference in page.text


def test_a_report_without_contact_details_sends_nothing(notify_stack, notify_dbs, targets):
    before = len(notify_stack.inbox.messages())
    target = targets[1]
    filed = call(notify_stack, "POST", "/api/v1/bins/reports",
                 json={"uprn": target["uprn"], "service": target["service"]})
    assert filed.status_code == 201, filed.text
    reference = filed.json()["report"]["reference"]
    [after] = sentinel(notify_stack, targets[4])
    messages = notify_stack.inbox.messages()
    assert len(messages) == before + 1 and after in messages
    assert reference not in str(messages)


def test_a_text_message_and_its_receipt_through_the_gateway(
        notify_stack, notify_dbs, targets, fake_notify_server):
    target = targets[2]
    filed = call(notify_stack, "POST", "/api/v1/bins/reports", json={
        "uprn": target["uprn"], "service": target["service"], "phone": "07700 900 123"})
    assert filed.status_code == 201, filed.text
    reference = filed.json()["report"]["reference"]
    [sent] = wait_until(lambda: [n for n in fake_notify_server.notifications
                                 if reference in n["personalisation"]["body"]],
                        what="a text message at Notify")
    receipt = {"id": str(uuid.uuid4()), "reference": sent["reference"],
               "to": sent["phone_number"], "status": "delivered",
               "created_at": "2026-12-01T10:00:00.000Z", "completed_at": None,
               "sent_at": None, "notification_type": "sms"}

    refused = call(notify_stack, "POST", "/api/v1/notify/receipts", json=receipt,
                   headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401
    assert call(notify_stack, "POST", "/api/v1/notify/receipts",
                json=receipt).status_code == 401

    taken = call(notify_stack, "POST", "/api/v1/notify/receipts", json=receipt,
                 headers={"Authorization": f"Bearer {CALLBACK_TOKEN}"})
    assert taken.status_code == 200 and taken.json() == {"received": True}
    [row] = query(notify_dbs["notify"], "SELECT status FROM messages WHERE id = %s",
                  sent["reference"])
    assert row["status"] == "delivered"

    bad = call(notify_stack, "POST", "/api/v1/notify/receipts",
               json={**receipt, "status": "lost"},
               headers={"Authorization": f"Bearer {CALLBACK_TOKEN}"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"status"}
    # Notify's own website's messages carry no reference: taken and ignored
    for reference in (None, "not-ours"):
        ignored = call(notify_stack, "POST", "/api/v1/notify/receipts",
                       json={**receipt, "reference": reference},
                       headers={"Authorization": f"Bearer {CALLBACK_TOKEN}"})
        assert ignored.status_code == 200 and ignored.json() == {"received": False}


def test_a_booking_email_comes_with_its_calendar_file(notify_stack):
    to = address()
    day = working_days(3)[2]
    [slot, *_] = slots(notify_stack, "council-tax", day)
    reference, _ = book(notify_stack, slot, email=to)
    [mail] = notify_stack.inbox.wait_for(1, to=to)
    assert reference in mail["subject"] or reference in mail["body_text"]
    assert mail["attachments"] == [f"{reference}.ics"]


def test_a_triaged_person_hears_what_happens_next(notify_stack):
    to = address()
    _, sent = file_case(notify_stack, ordinary_answers(local_today(), contact_email=to))
    [mail] = notify_stack.inbox.wait_for(1, to=to)
    assert sent["reference"] in mail["subject"] + mail["body_text"]


def test_a_resident_reaches_their_timeline_with_the_link_sent_to_them(notify_stack, targets):
    to = address()
    day = working_days(3)[2]
    [slot, *_] = slots(notify_stack, "council-tax", day)
    reference, _ = book(notify_stack, slot, email=to)
    notify_stack.inbox.wait_for(1, to=to)

    asked = call(notify_stack, "POST", "/api/v1/timeline/link", json={"address": to})
    assert asked.status_code == 202
    unknown = call(notify_stack, "POST", "/api/v1/timeline/link",
                   json={"address": "nobody-here@example.com"})
    assert unknown.status_code == 202 and unknown.json() == asked.json()
    bad = call(notify_stack, "POST", "/api/v1/timeline/link", json={"address": "nope"})
    assert bad.status_code == 400 and "address" in bad.json()["error"]["fields"]

    link_mail = notify_stack.inbox.wait_for(2, to=to)[0]
    [code] = re.findall(r"https://council\.example/timeline/(\S+)", link_mail["body_text"])
    listed = call(notify_stack, "GET", "/api/v1/timeline",
                  headers={"X-Resident-Secret": code})
    assert listed.status_code == 200, listed.text
    titles = [e["title"] for e in listed.json()["entries"]]
    assert "You booked a council tax advice appointment" in titles
    assert any(t.startswith("We emailed you:") for t in titles)
    assert call(notify_stack, "GET", "/api/v1/timeline",
                headers={"X-Resident-Secret": "AAAA-BBBB-CCCC"}).status_code == 404

    page = call(notify_stack, "GET", f"/timeline/{code}")
    assert page.status_code == 200 and reference in page.text
    assert call(notify_stack, "GET", "/timeline/AAAA-BBBB-CCCC").status_code == 404


def test_dead_messages_are_for_supervisors(notify_stack):
    assert call(notify_stack, "GET", "/api/v1/ops/notify/dead").status_code == 401
    crew = notify_stack.bearer("crew-1", ["crew"])
    assert call(notify_stack, "GET", "/api/v1/ops/notify/dead", headers=crew).status_code \
        in (401, 403)
    listed = call(notify_stack, "GET", "/api/v1/ops/notify/dead", headers=supervisor(notify_stack))
    assert listed.status_code == 200 and listed.json()["count"] == len(listed.json()["items"])
    missing = call(notify_stack, "POST", f"/api/v1/ops/notify/dead/{uuid.uuid4()}/replay",
                   headers=supervisor(notify_stack))
    assert missing.status_code == 404


def test_the_timeline_pages_ask_for_an_address_and_say_the_same_whoever_asks(notify_stack):
    session = requests.Session()
    start = session.get(notify_stack.base_url + "/timeline", timeout=10)
    assert start.status_code == 200 and "Send me a link" in start.text
    token_field = csrf(start.text)

    bad = session.post(notify_stack.base_url + "/timeline", timeout=10,
                       data={"csrf_token": token_field, "address": "not an address"})
    assert bad.status_code == 400
    assert "Enter an email address, or a UK mobile number" in bad.text
    assert 'class="govuk-error-summary' in bad.text

    sent = session.post(notify_stack.base_url + "/timeline", timeout=10,
                        data={"csrf_token": token_field, "address": address()})
    assert sent.status_code == 200 and "If we have anything for that address" in sent.text
    forged = requests.post(notify_stack.base_url + "/timeline", timeout=10,
                           data={"address": address()})
    assert forged.status_code in (400, 403)


def test_no_address_or_number_reaches_any_log_even_at_debug(notify_stack):
    """Runs last: every address the tests above gave, and every timeline
    code they used, in every line every process wrote."""
    lines = []
    for path in notify_stack.log_dir.glob("*.log"):
        lines += path.read_text(errors="replace").splitlines()
    assert len(lines) > 100
    leaks = [line for line in lines
             if re.search(r"resident-[0-9a-f]{8}@example\.com", line)
             or re.search(r"7700 ?900 ?123", line)
             # a timeline link's code opens someone's timeline
             or re.search(r"/timeline/[0-9A-Z]{4}-", line)]
    assert leaks == []
