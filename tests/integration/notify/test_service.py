"""The notify service end to end inside one process: events in from the
broker, facts from the owners, messages out through a real SMTP server and
the Notify stand-in, exactly once; retries, fallbacks, dead messages,
receipts and the timeline."""
import datetime as dt
import re
import time
import uuid

import psycopg2
import psycopg2.extras
import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import entrypoint_hook

from services.kit import dlq
from services.council.words import when_text
from services.notify import store
from tests.integration.notify.conftest import FACTS, new_id, query
from tests.support.waiting import wait_until

MAIL, MOBILE = "sam.resident@example.com", "07700 900982"
TOMORROW = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).replace(
    hour=10, minute=30, second=0, microsecond=0)
TOMORROW_WORDS = when_text(TOMORROW)


def contact(email=MAIL, phone=None, preferred=None, safe=False):
    return {"email": email, "phone": phone,
            "preferred": preferred or ("email" if email else "sms"), "safe_channel_only": safe}


def report(report_id, who=None, **changes):
    FACTS[report_id] = {"contact": who, "reference": "MB-7K3Q-92", "service": "recycling",
                        "service_name": "recycling", "collection_date": "2026-12-01",
                        "due_by": "2026-12-02T17:00:00+00:00", "status": "open",
                        "outcome": None, "reason": None,
                        "links": [{"kind": "report_tracking", "reference": "MB-7K3Q-92",
                                   "code": None}], **changes}
    return {"report_id": report_id, "reference": "MB-7K3Q-92", "uprn": "100000000001",
            "service": "recycling", "collection_date": "2026-12-01", "round_id": "R1",
            "crew_id": "C1", "due_by": "2026-12-02T17:00:00+00:00"}


def booking(booking_id, who=None, **changes):
    FACTS[booking_id] = {
        "contact": who, "reference": "BK-2XQ9-41", "status": "confirmed",
        "type_name": "Council Tax advice", "office_name": "Civic Centre",
        "office_address": "1 High Street, Exampleton, ZZ1 0AA",
        "start": TOMORROW.isoformat(), "end": (TOMORROW + dt.timedelta(minutes=30)).isoformat(),
        "links": [{"kind": "booking_management", "reference": "BK-2XQ9-41",
                   "code": "SECRETCODE"},
                  {"kind": "waitlist_offer", "reference": "BK-2XQ9-41", "code": "SECRETCODE"}],
        "calendar_ics": "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", **changes}
    return {"booking_id": booking_id, "reference": "BK-2XQ9-41", "type_id": "council-tax",
            "office_id": "civic", "starts_at": TOMORROW.isoformat(),
            "ends_at": (TOMORROW + dt.timedelta(minutes=30)).isoformat(), "case_id": None,
            "booked_by": "resident"}


def case(case_id, who=None, **changes):
    FACTS[case_id] = {"contact": who, "reference": "HL-4M7P-28", "urgency": "high",
                      "respond_by": "2026-12-03", "next_step_title": "Book an appointment",
                      "next_step_text": "Book an appointment within 2 working days",
                      "phone": "01632 960 001",
                      "links": [{"kind": "case_status", "reference": "HL-4M7P-28", "code": None}],
                      **changes}
    return {"case_id": case_id, "reference": "HL-4M7P-28", "route": "self", "urgency": "high",
            "duty": "relief", "priority_need": [], "respond_by": "2026-12-03",
            "duty_ends_on": None, "appointment_type": "housing-options",
            "questionnaire_version": 1, "triaged_at": "2026-12-01T09:00:00+00:00"}


def sentinel(publish, smtp):
    """A report for an address of its own, published after whatever a test
    checks did not happen, and its email: once that has arrived, anything
    published or asked for before it has been handled. The address, to
    leave its email out of what a test counts."""
    who = f"sentinel-{uuid.uuid4().hex[:8]}@example.com"
    publish("bins", "ReportFiled", report(new_id(), contact(email=who)))
    wait_until(lambda: any(who in m.rcpt_tos for m in smtp.messages),
               what="the sentinel's email")
    return who


def others(smtp, sentinel_address):
    """What the SMTP server received, the sentinel's email left out."""
    return [m for m in smtp.messages if sentinel_address not in m.rcpt_tos]


def messages(db):
    return query(db, "SELECT * FROM messages ORDER BY created_at, channel")


def settled(db, count=1, status=("sent",)):
    return wait_until(lambda: (lambda rows: rows if len(rows) >= count and all(
        r["status"] in status for r in rows) else None)(messages(db)))


@pytest.fixture
def running(notify, owners):
    owners("bins", "housing", "bookings")
    return notify


# --- the right message, once ---------------------------------------------------

def test_a_filed_report_sends_one_email_with_the_reports_facts(running, publish, smtp,
                                                                notify_db):
    publish("bins", "ReportFiled", report(new_id(), contact()))

    [mail] = smtp.wait_for(1)
    message = mail.email
    assert mail.rcpt_tos == (MAIL,) or list(mail.rcpt_tos) == [MAIL]
    assert message["Subject"] == "Missed collection reported: MB-7K3Q-92"
    body = message.get_content()
    assert "recycling was not collected on Tuesday 1 December 2026" in body
    assert "5pm on Wednesday 2 December 2026" in body
    assert "https://council.example/bins/track/MB-7K3Q-92" in body
    [row] = settled(notify_db)
    # Once sent, the address and words are gone; the template version stays.
    assert row["to_address"] is None and row["body"] is None and row["subject"] is None
    assert (row["template_id"], row["template_version"]) == ("report-filed", 1)


def test_the_same_event_twice_sends_once(running, publish, smtp, notify_db):
    data = report(new_id(), contact())
    first = publish("bins", "ReportFiled", data)
    publish("bins", "ReportFiled", data, event_id=first["event_id"])
    smtp.wait_for(1)
    settled(notify_db)
    seen = sentinel(publish, smtp)
    assert len(others(smtp, seen)) == 1 and len(messages(notify_db)) == 2


def test_a_resident_without_contact_details_gets_nothing_and_nothing_fails(
        running, publish, smtp, notify_db):
    event = publish("bins", "ReportFiled", report(new_id(), None))
    wait_until(lambda: query(notify_db, "SELECT 1 FROM inbox WHERE event_id = %s",
                             event["event_id"]))
    assert messages(notify_db) == [] and smtp.messages == []
    assert not [p for p in dlq.list_parked(running.container.config["AMQP_URI"])
                if p["event_id"] == event["event_id"]]


def test_a_resolved_report_says_why_it_was_not_collected(running, publish, smtp):
    report_id = new_id()
    report(report_id, contact(), outcome="not_collected",
           reason="a car was parked across the bin")
    publish("bins", "ReportResolved", {
        "report_id": report_id, "reference": "MB-7K3Q-92", "round_id": "R1", "crew_id": "C1",
        "outcome": "not_collected", "reason": "blocked",
        "resolved_at": "2026-12-02T12:00:00+00:00"})
    [mail] = smtp.wait_for(1)
    assert "a car was parked across the bin" in mail.email.get_content()


def test_a_booking_email_carries_its_calendar_file(running, publish, smtp):
    publish("bookings", "SlotBooked", booking(new_id(), contact()))
    [mail] = smtp.wait_for(1)
    [ics] = [p for p in mail.email.iter_attachments()]
    assert ics.get_filename() == "BK-2XQ9-41.ics"
    assert ics.get_content_type() == "text/calendar"
    assert "https://council.example/bookings/manage/BK-2XQ9-41?code=SECRETCODE" in \
        mail.email.get_body(("plain",)).get_content()


def test_a_text_message_goes_through_notify_with_our_id_as_reference(
        running, publish, fake_notify, notify_db):
    data = booking(new_id(), contact(email=None, phone=MOBILE))
    del data["booked_by"]  # SlotBooked's only
    publish("bookings", "BookingReminderDue", data)
    [row] = settled(notify_db)
    [sent] = fake_notify.by_reference(str(row["id"]))
    assert sent["phone_number"] == MOBILE
    assert "Civic Centre" in sent["personalisation"]["body"]


def test_someone_at_risk_gets_only_the_safe_message_on_their_safe_channel(
        running, publish, fake_notify, smtp, notify_db):
    publish("housing", "CaseTriaged",
            case(new_id(), contact(email=MAIL, phone=MOBILE, preferred="sms", safe=True)))
    [row] = settled(notify_db)
    assert row["template_id"] == "case-triaged-safe" and row["channel"] == "sms"
    [sent] = fake_notify.by_reference(str(row["id"]))
    assert "housing" not in sent["personalisation"]["body"].lower()
    assert row["fallback_address"] is None and smtp.messages == []


# --- when sending goes wrong ---------------------------------------------------

def test_a_provider_failing_twice_then_working_sends_once(running, publish, fake_notify,
                                                           notify_db):
    fake_notify.fail_next(2, status=500)
    publish("bookings", "SlotBooked", booking(new_id(), contact(email=None, phone=MOBILE)))
    [row] = settled(notify_db)
    assert row["attempts"] == 3
    assert len(fake_notify.by_reference(str(row["id"]))) == 1
    assert len(fake_notify.notifications) == 1


def test_a_send_that_timed_out_is_looked_for_before_it_is_sent_again(
        running, publish, fake_notify, notify_db):
    # Notify takes the message but the answer never comes back in time.
    fake_notify.time_out_next(1, seconds=3, record=True)
    publish("bookings", "SlotBooked", booking(new_id(), contact(email=None, phone=MOBILE)))
    [row] = wait_until(lambda: [r for r in messages(notify_db) if r["status"] == "sent"],
                       timeout=12)
    assert row["attempts"] == 2
    assert len(fake_notify.notifications) == 1


def test_a_429_waits_as_long_as_notify_asks(running, publish, fake_notify, notify_db):
    fake_notify.fail_next(1, status=429, retry_after=2)
    publish("bookings", "SlotBooked", booking(new_id(), contact(email=None, phone=MOBILE)))
    [row] = wait_until(lambda: [r for r in messages(notify_db)
                                if r["status"] == "pending" and r["attempts"] == 1])
    assert row["due_at"] - row["created_at"] >= dt.timedelta(seconds=1.9)
    settled(notify_db)


def test_a_number_that_can_never_work_falls_back_to_email(running, publish, fake_notify,
                                                          smtp, notify_db, listen):
    failed = listen("NotificationFailed")
    fake_notify.fail_next(1, status=400, error="ValidationError",
                          message="phone_number Not a UK mobile number")
    publish("bookings", "SlotBooked",
            booking(new_id(), contact(email=MAIL, phone=MOBILE, preferred="sms")))
    [mail] = smtp.wait_for(1)
    assert mail.email["Subject"].startswith("Your appointment is booked for")
    rows = wait_until(lambda: (lambda r: r if len(r) == 2 and r[1]["status"] == "sent"
                               else None)(query(notify_db, "SELECT * FROM messages "
                                                "ORDER BY fallback_of NULLS FIRST")))
    assert rows[0]["status"] == "failed" and rows[0]["channel"] == "sms"
    assert rows[1]["channel"] == "email" and rows[1]["fallback_of"] == rows[0]["id"]
    [event] = failed.collect(1)
    data = event.payload["data"]
    assert data["status"] == "failed" and data["fallback_message_id"] == str(rows[1]["id"])
    assert MOBILE.replace(" ", "") not in str(event.payload).replace(" ", "")


def test_a_message_out_of_attempts_is_dead_until_an_operator_replays_it(
        running, publish, fake_notify, notify_db, listen):
    failed = listen("NotificationFailed")
    fake_notify.fail_next(3, status=503)
    publish("bookings", "SlotBooked", booking(new_id(), contact(email=None, phone=MOBILE)))
    [row] = settled(notify_db, status=("dead",))
    assert row["attempts"] == 3 and row["to_address"] == MOBILE  # kept, for the replay
    assert failed.collect(1)[0].payload["data"]["status"] == "dead"
    [listed] = running.list_dead()
    assert listed["id"] == str(row["id"]) and listed["attempts"] == 3
    assert listed["last_error"].startswith("temporary:")
    assert "to_address" not in listed and "body" not in listed

    running.replay(str(row["id"]))
    [row] = settled(notify_db)
    assert len(fake_notify.by_reference(str(row["id"]))) == 1
    with pytest.raises(RemoteError) as err:
        running.replay(str(row["id"]))
    assert err.value.exc_type == "MessageNotFound"


def test_a_dead_message_whose_address_was_forgotten_cannot_be_replayed(
        running, publish, fake_notify, notify_db):
    fake_notify.fail_next(3, status=503)
    publish("bookings", "SlotBooked", booking(new_id(), contact(email=None, phone=MOBILE)))
    [row] = settled(notify_db, status=("dead",))
    query(notify_db, "UPDATE messages SET finished_at = now() - interval '30 days'")
    with entrypoint_hook(running.container, "forget_old_addresses") as forget:
        assert forget() >= 1
    with pytest.raises(RemoteError) as err:
        running.replay(str(row["id"]))
    assert err.value.exc_type == "MessageNotFound" and "forgotten" in err.value.value
    assert messages(notify_db)[0]["status"] == "dead"


def test_old_timeline_entries_and_expired_codes_are_dropped(running, publish, smtp,
                                                            notify_db):
    publish("bins", "ReportFiled", report(new_id(), contact()))
    smtp.wait_for(1)
    running.send_timeline_link(MAIL)
    smtp.wait_for(2)
    query(notify_db, "UPDATE timeline SET occurred_at = occurred_at - interval '800 days'")
    query(notify_db, "UPDATE timeline_codes SET expires_at = now() - interval '1 day'")
    with entrypoint_hook(running.container, "forget_old_addresses") as forget:
        forget()
    assert query(notify_db, "SELECT count(*) AS n FROM timeline")[0]["n"] == 0
    assert query(notify_db, "SELECT count(*) AS n FROM timeline_codes")[0]["n"] == 0


def test_facts_that_break_the_owners_contract_park_the_event_and_send_nothing(
        running, publish, smtp, notify_db):
    # The bins contract says every report has a service name; a template
    # could not fill its bin type without one.
    event = publish("bins", "ReportFiled", report(new_id(), contact(), service_name=None))
    parked = wait_until(lambda: [p for p in dlq.list_parked(
        running.container.config["AMQP_URI"]) if p["event_id"] == event["event_id"]])
    assert "bins.notification_facts broke its contract: service_name" in parked[0]["error"]
    assert MAIL not in parked[0]["error"]
    assert messages(notify_db) == [] and smtp.messages == []


def test_an_owner_that_is_down_only_delays_the_message(notify, owners, publish, smtp):
    publish("bins", "ReportFiled", report(new_id(), contact()))
    time.sleep(0.5)
    assert smtp.messages == []
    owners("bins")
    assert len(smtp.wait_for(1, timeout=15)) == 1


# --- delivery receipts ---------------------------------------------------------

def test_a_receipt_that_beats_the_senders_own_record_still_counts(running, publish,
                                                                 notify_db, listen):
    delivered = listen("NotificationDelivered")
    publish("bookings", "SlotBooked", booking(new_id(), contact(email=None, phone=MOBILE)))
    [row] = settled(notify_db)
    query(notify_db, "UPDATE messages SET status = 'sending'")  # as if mid-send
    running.record_receipt(str(row["id"]), "delivered")
    assert len(delivered.collect(1)) == 1
    [row] = messages(notify_db)
    assert row["status"] == "delivered" and row["fallback_address"] is None


def test_a_delivery_receipt_is_announced_once(running, publish, fake_notify, notify_db,
                                              listen):
    delivered = listen("NotificationDelivered")
    publish("bookings", "SlotBooked", booking(new_id(), contact(email=None, phone=MOBILE)))
    [row] = settled(notify_db)
    assert running.record_receipt(str(row["id"]), "delivered") == {"known": True}
    running.record_receipt(str(row["id"]), "delivered")
    events = delivered.collect(1, settle=0.5)
    assert len(events) == 1 and events[0].payload["data"]["message_id"] == str(row["id"])
    assert messages(notify_db)[0]["status"] == "delivered"
    assert running.record_receipt(new_id(), "delivered") == {"known": False}


def test_a_bounce_reported_later_falls_back_to_the_other_channel(
        running, publish, fake_notify, smtp, notify_db):
    publish("bookings", "SlotBooked",
            booking(new_id(), contact(email=MAIL, phone=MOBILE, preferred="sms")))
    [row] = settled(notify_db)
    running.record_receipt(str(row["id"]), "permanent-failure")
    [mail] = smtp.wait_for(1)
    assert "BK-2XQ9-41" in mail.email.get_body(("plain",)).get_content()
    [row, fallback] = query(notify_db, "SELECT status, channel FROM messages "
                                       "ORDER BY fallback_of NULLS FIRST")
    assert (row["status"], fallback["channel"]) == ("failed", "email")


def test_a_bad_receipt_names_the_field(running):
    with pytest.raises(RemoteError) as err:
        running.record_receipt("nope", "lost")
    assert err.value.exc_type == "ValidationError"
    assert "message_id" in err.value.value and "status" in err.value.value


# --- the timeline --------------------------------------------------------------

def test_a_resident_sees_their_reports_bookings_and_messages_in_order(
        running, publish, smtp, notify_db):
    publish("bins", "ReportFiled", report(new_id(), contact(email="Sam.Resident@Example.com")))
    smtp.wait_for(1)
    publish("bookings", "SlotBooked", booking(new_id(), contact()))
    smtp.wait_for(2)
    assert running.send_timeline_link(MAIL) == {"valid_days": 30}
    link_mail = smtp.wait_for(3)[2].email
    [code] = re.findall(r"https://council\.example/timeline/(\S+)", link_mail.get_content())
    # asked again at once: no second message, so nobody's phone is flooded
    running.send_timeline_link(MAIL)
    seen = sentinel(publish, smtp)
    assert len(others(smtp, seen)) == 3

    entries = running.timeline(code)["entries"]
    titles = [e["title"] for e in entries]
    assert titles == ["You reported a missed recycling collection",
                      "We emailed you: Missed collection reported: MB-7K3Q-92",
                      "You booked a council tax advice appointment",
                      "We emailed you: Your appointment is booked for "
                      + TOMORROW_WORDS]
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert "SECRETCODE" not in str(entries)


def test_a_case_assigned_then_closed_adds_to_the_timeline_and_sends_nothing(
        running, publish, smtp, notify_db):
    case_id = new_id()
    publish("housing", "CaseTriaged", case(case_id, contact()))
    smtp.wait_for(1)
    publish("housing", "CaseAssigned", {"case_id": case_id, "reference": "HL-4M7P-28",
                                        "caseworker_id": "cw-1",
                                        "assigned_at": "2026-12-01T10:00:00+00:00"})
    publish("housing", "CaseClosed", {"case_id": case_id, "reference": "HL-4M7P-28",
                                      "outcome": "prevented", "duty": "prevention",
                                      "closed_by": "cw-1",
                                      "closed_at": "2026-12-02T10:00:00+00:00"})
    titles = wait_until(lambda: (lambda rows: rows if len(rows) == 4 else None)(
        [r["title"] for r in query(notify_db, "SELECT title FROM timeline "
                                   "ORDER BY occurred_at, id")]))
    assert titles[2:] == ["A caseworker is working on your case", "Your case was closed"]
    seen = sentinel(publish, smtp)
    assert len(others(smtp, seen)) == 1 and len(messages(notify_db)) == 2


def test_asking_for_a_link_for_an_unknown_address_sends_nothing(running, publish, smtp):
    assert running.send_timeline_link("nobody@example.com") == {"valid_days": 30}
    seen = sentinel(publish, smtp)
    assert others(smtp, seen) == []
    with pytest.raises(RemoteError) as err:
        running.timeline("WRONG-CODE")
    assert err.value.exc_type == "TimelineNotFound"
    with pytest.raises(RemoteError) as err:
        running.send_timeline_link("not an address")
    assert err.value.exc_type == "ValidationError" and "address" in err.value.value


# --- two senders, and receipts racing a sender -----------------------------------

def claim(db, lease_seconds=60):
    """claim_due as a sender does it, in its own transaction."""
    conn = psycopg2.connect(db)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            now = dt.datetime.now(dt.timezone.utc)
            return store.claim_due(cur, now, now + dt.timedelta(seconds=lease_seconds), 1)
    finally:
        conn.close()


def with_cursor(db, work):
    conn = psycopg2.connect(db)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            return work(cur)
    finally:
        conn.close()


def waiting_message(notify_db):
    now = dt.datetime.now(dt.timezone.utc)
    return with_cursor(notify_db, lambda cur: store.add_message(cur, {
        "id": uuid.uuid4(), "event_id": uuid.uuid4(), "event_type": "SlotBooked",
        "template_id": "slot-booked", "template_version": 1, "channel": "sms",
        "recipient_hash": b"r", "to_address": MOBILE, "subject": None, "body": "Hello",
        "attachment_name": None, "attachment": None, "fallback_address": MAIL,
        "fallback_subject": "Booked", "fallback_body": "Hello", "due_at": now,
        "fallback_of": None, "created_at": now}))


def test_a_sender_whose_lease_ran_out_changes_nothing(notify_db, notify_config):
    message_id = waiting_message(notify_db)
    [first] = claim(notify_db, lease_seconds=0)   # a sender that then stalls
    [second] = claim(notify_db)                  # another takes it after the lease
    assert (first["id"], second["id"]) == (message_id, message_id)
    assert second["uncertain"] and second["attempts"] == 2
    now = dt.datetime.now(dt.timezone.utc)
    assert not with_cursor(notify_db, lambda cur: store.mark_sent(cur, first, "notify", "a",
                                                                  now))
    assert not with_cursor(notify_db, lambda cur: store.finish(cur, first, "dead", "x", now))
    assert with_cursor(notify_db, lambda cur: store.mark_sent(cur, second, "notify", "b",
                                                              now))
    [row] = messages(notify_db)
    assert (row["status"], row["provider_id"]) == ("sent", "b")


def test_a_bounce_that_beats_the_senders_record_is_not_lost(running, notify_db):
    message_id = waiting_message(notify_db)
    # held by a sender (not this service's sweep) that has sent it
    query(notify_db, "UPDATE messages SET status = 'sending', attempts = 1, "
                     "due_at = now() + interval '1 minute'")
    claimed = {"id": message_id, "attempts": 1}
    running.record_receipt(str(message_id), "permanent-failure")
    # the sender's own record comes after, and changes nothing
    now = dt.datetime.now(dt.timezone.utc)
    assert not with_cursor(notify_db, lambda cur: store.mark_sent(cur, claimed, "notify",
                                                                  "n", now))
    rows = query(notify_db, "SELECT status, channel, fallback_of FROM messages "
                            "ORDER BY fallback_of NULLS FIRST")
    assert [(r["status"], r["channel"]) for r in rows][0] == ("failed", "sms")
    assert rows[1]["channel"] == "email" and rows[1]["fallback_of"] == message_id
