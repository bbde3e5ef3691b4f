"""What to tell a resident about an event, and what a failed send leads to:
plain rules, no broker or database."""
import datetime as dt

import pytest

from services.notify.domain import channels, links, messages, timeline
from services.notify.domain.templates import MissingPlaceholders, TemplateSet
from services.notify.providers import SendFailed

TEMPLATES = TemplateSet.load()
BASE = "https://council.example"
LINKS = links.Links(BASE)
MAIL, MOBILE = "sam@example.com", "+447700900982"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def contact(email=MAIL, phone=None, preferred="email", safe=False):
    return channels.Contact(email, phone, preferred, safe)


REPORT = {"reference": "MB-7K3Q-92", "service_name": "garden waste",
          "collection_date": "2026-12-01", "due_by": "2026-12-02T17:00:00+00:00",
          "reason": None,
          "links": [{"kind": "report_tracking", "reference": "MB-7K3Q-92", "code": "ABC"}]}
BOOKING = {"reference": "BK-2XQ9-41", "status": "confirmed", "type_name": "Council Tax advice",
           "office_name": "Civic Centre", "office_address": "1 High Street, ZZ1 0AA",
           "start": "2026-12-03T10:30:00+00:00", "end": "2026-12-03T11:00:00+00:00",
           "links": [{"kind": "booking_management", "reference": "BK-2XQ9-41", "code": "XYZ"},
                     {"kind": "waitlist_offer", "reference": "BK-2XQ9-41", "code": "XYZ"}],
           "calendar_ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}
CASE = {"reference": "HL-4M7P-28", "next_step_text": "Book an appointment within 2 days",
        "respond_by": "2026-12-03", "phone": "01632 960 001",
        "next_step_title": "Book an appointment"}


def test_every_event_has_an_owner_and_a_template_or_only_a_timeline_entry():
    for event_type in messages.EVENT_TYPES:
        assert (event_type in TEMPLATES.event_types) != (event_type in messages.TIMELINE_ONLY)
        assert messages.LOOKUPS[event_type].service in ("bins", "housing", "bookings")


@pytest.mark.parametrize("event_type,title", [("CaseAssigned",
                                               "A caseworker is working on your case"),
                                              ("CaseClosed", "Your case was closed")])
def test_a_case_assigned_or_closed_is_on_the_timeline_and_sends_nothing(event_type, title):
    assert messages.draft(TEMPLATES, event_type, {}, CASE, contact(), LINKS) is None
    assert timeline.for_event(event_type, {}, CASE).title == title
    assert timeline.for_event(event_type, {}, CASE, safe=True).title == \
        "Your request was updated"


@pytest.mark.parametrize("data,expected", [
    ({"case_id": "c1", "hold_id": "h1"}, "housing"),
    ({"case_id": None, "hold_id": "h1"}, None),
])
def test_a_waiting_list_offer_asks_housing_for_the_person_only_for_a_case(data, expected):
    facts, holder = messages.lookups("WaitlistOfferMade", data)
    assert facts.service == "bookings" and facts.id_field == "hold_id"
    assert (holder.service if holder else None) == expected


def test_no_contact_or_a_choice_of_none_means_no_message():
    assert messages.draft(TEMPLATES, "ReportFiled", {}, REPORT, None, LINKS) is None
    assert messages.draft(TEMPLATES, "ReportFiled", {}, REPORT,
                          contact(preferred="none"), LINKS) is None
    assert messages.contact_from({"contact": None}) is None


def test_a_report_email_fills_every_value_in_words_with_a_full_link():
    draft = messages.draft(TEMPLATES, "ReportFiled", {}, REPORT, contact(), LINKS)
    assert (draft.template_id, draft.channel, draft.to) == ("report-filed", "email", MAIL)
    assert draft.version == TEMPLATES.versions("report-filed")[-1]
    assert draft.subject == "Missed collection reported: MB-7K3Q-92"
    assert "garden waste was not collected on Tuesday 1 December 2026" in draft.body
    assert "5pm on Wednesday 2 December 2026" in draft.body
    assert f"{BASE}/bins/track/MB-7K3Q-92?secret=ABC" in draft.body
    assert draft.attachment is None and draft.fallback_to is None


def test_the_other_channel_is_rendered_too_for_a_fall_back():
    draft = messages.draft(TEMPLATES, "ReportFiled", {}, REPORT,
                           contact(phone=MOBILE, preferred="sms"), LINKS)
    assert (draft.channel, draft.to, draft.subject) == ("sms", MOBILE, None)
    assert draft.fallback_to == MAIL and draft.fallback_subject.startswith("Missed")
    assert "MB-7K3Q-92" in draft.fallback_body


@pytest.mark.parametrize("outcome,template_id", [("collected", "report-collected"),
                                                 ("not_collected", "report-not-collected")])
def test_a_resolved_report_picks_its_variant_by_outcome(outcome, template_id):
    facts = {**REPORT, "reason": "a car blocked the bin"}
    draft = messages.draft(TEMPLATES, "ReportResolved", {"outcome": outcome}, facts,
                           contact(), LINKS)
    assert draft.template_id == template_id
    assert ("a car blocked the bin" in draft.body) == (outcome == "not_collected")


def test_someone_at_risk_gets_the_safe_message_and_no_fall_back():
    draft = messages.draft(TEMPLATES, "CaseTriaged", {}, CASE,
                           contact(phone=MOBILE, preferred="sms", safe=True), LINKS)
    assert draft.template_id == "case-triaged-safe" and draft.channel == "sms"
    assert draft.fallback_to is None
    assert "housing" not in draft.body.lower() and "HL-4M7P-28" in draft.body


def test_a_triage_message_ends_its_next_steps_with_a_full_stop():
    draft = messages.draft(TEMPLATES, "CaseTriaged", {}, CASE, contact(), LINKS)
    assert "Book an appointment within 2 days." in draft.body
    assert "Thursday 3 December 2026" in draft.body and "01632 960 001" in draft.body


@pytest.mark.parametrize("event_type", ["SlotBooked", "BookingRescheduled",
                                        "BookingCancelled"])
def test_booking_emails_carry_the_calendar_file_and_texts_do_not(event_type):
    data = {"previous_starts_at": "2026-12-02T14:00:00+00:00"}
    email = messages.draft(TEMPLATES, event_type, data, BOOKING, contact(), LINKS)
    assert email.attachment == ("BK-2XQ9-41.ics", "text/calendar",
                                BOOKING["calendar_ics"].encode())
    text = messages.draft(TEMPLATES, event_type, data, BOOKING,
                          contact(email=None, phone=MOBILE, preferred="sms"), LINKS)
    assert text.attachment is None


def test_a_moved_booking_says_both_times_in_council_time():
    data = {"previous_starts_at": "2026-12-02T14:00:00+00:00"}
    draft = messages.draft(TEMPLATES, "BookingRescheduled", data, BOOKING, contact(), LINKS)
    assert "2pm on Wednesday 2 December 2026" in draft.body
    assert "10:30am on Thursday 3 December 2026" in draft.body


def test_a_reminder_in_summer_time_shows_the_local_hour():
    facts = {**BOOKING, "start": "2027-06-01T09:00:00+00:00"}
    draft = messages.draft(TEMPLATES, "BookingReminderDue", {}, facts, contact(), LINKS)
    assert "10am" in draft.body


def test_facts_that_cannot_fill_the_template_are_refused_before_sending():
    with pytest.raises(MissingPlaceholders) as missing:
        messages.draft(TEMPLATES, "ReportFiled", {}, {**REPORT, "service_name": None},
                       contact(), LINKS)
    assert missing.value.names == ("bin_type",)


# --- after a failed send -------------------------------------------------------

def failed(kind, retry_after=None):
    return SendFailed(kind, "because", retry_after=retry_after)


def test_a_temporary_failure_waits_longer_each_time():
    first = messages.after_failure(failed("temporary"), 1, NOW, False)
    third = messages.after_failure(failed("temporary"), 3, NOW, False)
    assert (first.status, first.retry_at - NOW) == ("pending", dt.timedelta(seconds=10))
    assert third.retry_at - NOW == dt.timedelta(seconds=40)


def test_a_429_waits_as_asked():
    nxt = messages.after_failure(failed("temporary", retry_after=90), 1, NOW, False)
    assert nxt.retry_at - NOW == dt.timedelta(seconds=90)


def test_out_of_attempts_is_dead_and_a_permanent_failure_falls_back_if_it_can():
    assert messages.after_failure(failed("temporary"), 6, NOW, True).status == "dead"
    assert messages.after_failure(failed("temporary"), 2, NOW, True,
                                  max_attempts=2).status == "dead"
    assert messages.after_failure(failed("permanent"), 1, NOW, True) == \
        messages.Next("failed", fall_back=True)
    assert messages.after_failure(failed("permanent"), 1, NOW, False) == \
        messages.Next("failed", fall_back=False)


# --- the timeline ------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["07700 900982", "+44 7700 900982", "0044 7700-900-982",
                                   "(07700) 900982"])
def test_one_mobile_number_typed_many_ways_is_one_resident(typed):
    assert timeline.normalise_address("sms", typed) == MOBILE
    assert timeline.resident_hash(b"k", "sms", typed) == timeline.resident_hash(b"k", "sms",
                                                                                MOBILE)


def test_an_email_address_is_one_resident_in_any_case_and_the_key_matters():
    assert timeline.resident_hash(b"k", "email", " Sam@Example.COM ") == \
        timeline.resident_hash(b"k", "email", MAIL)
    assert timeline.resident_hash(b"k", "email", MAIL) != \
        timeline.resident_hash(b"other", "email", MAIL)
    assert timeline.resident_hash(b"k", "email", MAIL) != \
        timeline.resident_hash(b"k", "sms", MAIL)


def test_a_resident_with_two_addresses_has_two_keys():
    assert len(timeline.resident_hashes(b"k", contact(phone=MOBILE))) == 2
    assert timeline.resident_hashes(b"k", None) == []


def test_timeline_entries_in_words():
    filed = timeline.for_event("ReportFiled", {}, REPORT)
    assert filed.title == "You reported a missed garden waste collection"
    assert "Tuesday 1 December 2026" in filed.detail and filed.reference == "MB-7K3Q-92"
    booked = timeline.for_event("SlotBooked", {}, BOOKING)
    assert booked.title == "You booked a council tax advice appointment"
    assert booked.detail == "10:30am on Thursday 3 December 2026 at Civic Centre."
    not_collected = timeline.for_event("ReportResolved", {"outcome": "not_collected",
                                                          "reason": "blocked"}, REPORT)
    assert not_collected.detail == "The crew recorded: blocked"
    assert timeline.for_event("BookingReminderDue", {}, BOOKING) is None


def test_the_timeline_of_someone_at_risk_says_no_more_than_the_safe_message():
    safe = timeline.for_event("CaseTriaged", {}, CASE, safe=True)
    assert safe.title == "We have your request" and safe.detail is None
    assert "housing" in timeline.for_event("CaseTriaged", {}, CASE).title


def test_someone_at_risk_has_a_timeline_only_at_their_safe_address():
    safe = contact(email=MAIL, phone=MOBILE, preferred="sms", safe=True)
    assert timeline.resident_hashes(b"k", safe) == [timeline.resident_hash(b"k", "sms",
                                                                           MOBILE)]
    assert timeline.normalise_address("sms", "+44 (0)7700 900982") == MOBILE


def test_no_reminder_for_a_booking_cancelled_since_it_fell_due():
    cancelled = {**BOOKING, "status": "cancelled"}
    assert messages.draft(TEMPLATES, "BookingReminderDue", {}, cancelled, contact(),
                          LINKS) is None
    confirmed = {**BOOKING, "status": "confirmed"}
    assert messages.draft(TEMPLATES, "BookingReminderDue", {}, confirmed, contact(),
                          LINKS).template_id == "booking-reminder"
