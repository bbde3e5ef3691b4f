"""The templates we ship (services/notify/templates): every one loads and
renders with a full set of example values, on both channels, and says what it
should and nothing it should not."""
import re

import pytest

from services.notify.domain.templates import (
    DEFAULT_DIRECTORY, MissingPlaceholders, TemplateSet, non_gsm_characters, sms_fragments)

TEMPLATES = TemplateSet.load()

# Example values for every placeholder of every template, written as the
# service will give them. A new template or placeholder needs a row here.
BOOKING = {"appointment_type": "housing advice",
           "appointment_time": "10:30am on Wednesday 30 September 2026",
           "office_name": "Exampleton Civic Centre",
           "office_address": "1 High Street, Exampleton, ZZ1 0AA",
           "reference": "BK-7QK2-9XW3",
           "manage_link": "https://townhall.example.gov.uk/bookings/manage/BK-7QK2-9XW3"}
EXAMPLES = {
    "report-filed": {
        "reference": "BIN-7K2Q-9XW3", "bin_type": "garden waste",
        "collection_date": "Tuesday 3 March 2026",
        "return_by": "5pm on Thursday 5 March 2026",
        "tracking_link": "https://townhall.example.gov.uk/bins/reports/BIN-7K2Q-9XW3"},
    "report-collected": {"reference": "BIN-7K2Q-9XW3", "bin_type": "garden waste"},
    "report-not-collected": {
        "reference": "BIN-7K2Q-9XW3", "bin_type": "garden waste",
        "reason": "a car was parked across the bin",
        "contact_link": "https://townhall.example.gov.uk/contact/bins"},
    "case-triaged": {
        "reference": "HOU-4M7P-2RQ8",
        "next_steps": "A housing officer will look at your request and call you to talk "
                      "about your options.",
        "respond_by": "Friday 6 March 2026", "housing_phone": "01632 960 001"},
    "case-triaged-safe": {"reference": "HOU-4M7P-2RQ8"},
    "slot-booked": BOOKING,
    "booking-rescheduled": {**BOOKING, "previous_time": "2pm on Monday 28 September 2026"},
    "booking-cancelled": {k: BOOKING[k] for k in ("appointment_type", "appointment_time",
                                                  "reference")}
    | {"book_link": "https://townhall.example.gov.uk/bookings"},
    "booking-reminder": {k: v for k, v in BOOKING.items() if k != "appointment_time"}
    | {"start_time": "10:30am"},
    "waitlist-offer": {k: v for k, v in BOOKING.items() if k != "manage_link"}
    | {"reference": "WL-3H8D-6TN4", "held_until": "2:15pm on Monday 28 September 2026",
       "take_link": "https://townhall.example.gov.uk/bookings/offers/WL-3H8D-6TN4"},
    "timeline-link": {"timeline_link": "https://townhall.example.gov.uk/timeline/a1b2c3"},
}
# Which template each event is sent with, and its variants.
EVENTS = {
    ("ReportFiled", None): "report-filed",
    ("ReportResolved", "collected"): "report-collected",
    ("ReportResolved", "not_collected"): "report-not-collected",
    ("CaseTriaged", None): "case-triaged",
    ("CaseTriaged", "safe"): "case-triaged-safe",
    ("SlotBooked", None): "slot-booked",
    ("BookingRescheduled", None): "booking-rescheduled",
    ("BookingCancelled", None): "booking-cancelled",
    ("BookingReminderDue", None): "booking-reminder",
    ("WaitlistOfferMade", None): "waitlist-offer",
}
# Notify puts the sender's name in front of a text message.
SMS_PREFIX = "Exampleton Council: "
MAX_SMS_FRAGMENTS = 3
EVERY = [(tid, channel) for tid in sorted(EXAMPLES) for channel in ("email", "sms")]


def render(tid, channel, values=None):
    return TEMPLATES.latest(tid, channel).render(EXAMPLES[tid] if values is None else values)


def test_the_shipped_set():
    assert DEFAULT_DIRECTORY.name == "templates"
    assert DEFAULT_DIRECTORY.parent.name == "notify"
    assert set(TEMPLATES.ids) == set(EXAMPLES)
    assert sorted(p.stem for p in DEFAULT_DIRECTORY.glob("*.yaml")) == sorted(EXAMPLES)
    for tid in TEMPLATES.ids:
        assert TEMPLATES.versions(tid) == (1,)
        assert TEMPLATES.channels(tid) == ("email", "sms"), tid


@pytest.mark.parametrize("event, variant", list(EVENTS))
def test_each_event_has_its_template(event, variant):
    assert TEMPLATES.for_event(event, variant) == EVENTS[event, variant]


def test_every_event_is_listed_and_timeline_link_has_none():
    assert {(e, v) for e in TEMPLATES.event_types for v in TEMPLATES.variants(e)} == set(EVENTS)
    assert "timeline-link" not in EVENTS.values()


@pytest.mark.parametrize("tid, channel", EVERY)
def test_renders_with_every_example_value(tid, channel):
    template = TEMPLATES.latest(tid, channel)
    assert set(template.placeholders) <= set(EXAMPLES[tid])
    out = render(tid, channel)
    text = f"{out.subject or ''}\n{out.body}"
    assert "((" not in text and "))" not in text
    for name in template.placeholders:
        assert EXAMPLES[tid][name] in text
    assert (out.subject is None) is (channel == "sms")
    if out.subject is not None:
        assert "\n" not in out.subject and len(out.subject) <= 120


@pytest.mark.parametrize("tid", sorted(EXAMPLES))
def test_the_examples_cover_each_template_exactly(tid):
    used = set(TEMPLATES.latest(tid, "email").placeholders) | \
        set(TEMPLATES.latest(tid, "sms").placeholders)
    assert used == set(EXAMPLES[tid])


@pytest.mark.parametrize("tid, channel", EVERY)
def test_each_missing_value_stops_the_message(tid, channel):
    template = TEMPLATES.latest(tid, channel)
    for name in template.placeholders:
        values = {k: v for k, v in EXAMPLES[tid].items() if k != name}
        with pytest.raises(MissingPlaceholders) as caught:
            template.render(values)
        assert caught.value.names == (name,)
    with pytest.raises(MissingPlaceholders) as caught:
        template.render({})
    assert caught.value.names == template.placeholders


@pytest.mark.parametrize("tid", sorted(EXAMPLES))
def test_text_messages_stay_in_gsm_and_short(tid):
    body = render(tid, "sms").body
    assert non_gsm_characters(body) == set()
    assert sms_fragments(SMS_PREFIX + body) <= MAX_SMS_FRAGMENTS


@pytest.mark.parametrize("tid, channel", EVERY)
def test_plain_english_in_the_gov_uk_style(tid, channel):
    template = TEMPLATES.latest(tid, channel)
    text = f"{template.subject or ''}\n{template.body}"
    assert "!" not in text
    assert not re.search(r"\b(please|kindly|click here|e-mail)\b", text, re.I)
    assert non_gsm_characters(text) == set()  # no curly quotes or dashes to turn into "?"


@pytest.mark.parametrize("tid", sorted(EXAMPLES))
def test_email_formatting_is_notify_formatting(tid):
    body = TEMPLATES.latest(tid, "email").body
    for line in body.splitlines():
        if line.startswith("#"):
            assert line.startswith("# ") and not line.startswith("##"), line
        if line.startswith("^"):
            assert line.startswith("^ "), line


@pytest.mark.parametrize("tid", sorted(EXAMPLES))
def test_text_messages_have_no_email_formatting(tid):
    body = TEMPLATES.latest(tid, "sms").body
    assert not any(line.startswith(("# ", "* ", "^ ", "---")) for line in body.splitlines())


def test_report_filed_in_full():
    out = render("report-filed", "sms")
    assert out.body == (
        "We have your report of a missed garden waste collection on Tuesday 3 March 2026. "
        "Reference BIN-7K2Q-9XW3. A crew will come back for it by 5pm on Thursday 5 March "
        "2026. Track it at https://townhall.example.gov.uk/bins/reports/BIN-7K2Q-9XW3")
    email = render("report-filed", "email")
    assert email.subject == "Missed collection reported: BIN-7K2Q-9XW3"
    assert email.body.splitlines()[:3] == [
        "We have your report that your garden waste was not collected on Tuesday 3 March "
        "2026.", "", "^ Your reference is BIN-7K2Q-9XW3"]
    assert "# What happens next" in email.body.splitlines()
    assert email.body.endswith("\n\nhttps://townhall.example.gov.uk/bins/reports/BIN-7K2Q-9XW3")


def test_not_collected_gives_the_crews_reason_on_its_own_line():
    sms = render("report-not-collected", "sms").body.splitlines()
    assert sms[1] == "The crew said: a car was parked across the bin"
    email = render("report-not-collected", "email").body
    assert "The crew said: a car was parked across the bin" in email.splitlines()
    assert "could not collect" not in render("report-collected", "email").body


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_the_safe_variant_says_only_what_was_agreed(channel):
    out = render("case-triaged-safe", channel)
    assert out.body == ("We have your request. Reference HOU-4M7P-2RQ8. We will contact you "
                        "as agreed.")
    assert out.subject in (None, "Reference HOU-4M7P-2RQ8")
    text = f"{out.subject} {out.body}".lower()
    for word in ("housing", "homeless", "council", "case", "abuse", "http", "call"):
        assert word not in text


def test_case_triaged_says_what_happens_next_and_how_to_call():
    out = render("case-triaged", "sms").body
    assert "A housing officer will look at your request" in out
    assert "We will contact you by Friday 6 March 2026." in out
    assert "call 01632 960 001" in out


def test_only_booking_emails_mention_the_calendar_file():
    for tid in ("slot-booked", "booking-rescheduled", "booking-cancelled"):
        assert "calendar file" in render(tid, "email").body
        assert "calendar" not in render(tid, "sms").body
    for tid in set(EXAMPLES) - {"slot-booked", "booking-rescheduled", "booking-cancelled"}:
        assert "calendar" not in render(tid, "email").body


def test_bookings_say_when_in_words():
    assert render("booking-reminder", "sms").body.startswith(
        "Reminder: your housing advice appointment is tomorrow at 10:30am, at Exampleton Civic "
        "Centre, 1 High Street, Exampleton, ZZ1 0AA.")
    assert render("booking-reminder", "email").subject == \
        "Reminder: your appointment is tomorrow at 10:30am"
    offer = render("waitlist-offer", "email")
    assert offer.subject == "An appointment is held for you until 2:15pm on Monday 28 " \
                            "September 2026"
    assert "https://townhall.example.gov.uk/bookings/offers/WL-3H8D-6TN4" in \
        offer.body.splitlines()
    moved = render("booking-rescheduled", "email").body
    assert "It was at 2pm on Monday 28 September 2026." in moved
