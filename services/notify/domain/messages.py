"""What to tell a resident about an event, and what to do when a send fails.

Events carry ids only. The service that keeps the person's contact details
(the owner) is asked for the facts a message needs when the event arrives;
this module says whom to ask, picks the template and its variant, turns the
facts into the template's values (times in words, full links) and renders
one message for the resident's chosen channel, with the other channel
rendered too in case the first fails for good.
"""
import dataclasses
import datetime as dt

from services.council.links import BOOKING_MANAGEMENT, REPORT_TRACKING, WAITLIST_OFFER
from services.council.words import clock_text, day_text, when_text
from services.notify.domain import channels
from services.notify.domain.links import BOOKING_START
from services.notify.domain.templates import MissingPlaceholders  # noqa: F401 (re-exported)

DEFAULT_MAX_ATTEMPTS = 6


@dataclasses.dataclass(frozen=True)
class Lookup:
    """Ask `service`.notification_facts(data[id_field], **kwargs)."""
    service: str
    id_field: str
    kwargs: tuple = ()


_CALENDAR = (("with_calendar", True),)

# The owner of each event's subject. A waiting-list offer is about a hold,
# whose person is known to bookings only through the housing case.
LOOKUPS = {
    "ReportFiled": Lookup("bins", "report_id"),
    "ReportResolved": Lookup("bins", "report_id"),
    "CaseTriaged": Lookup("housing", "case_id"),
    "CaseAssigned": Lookup("housing", "case_id"),
    "CaseClosed": Lookup("housing", "case_id"),
    "SlotBooked": Lookup("bookings", "booking_id", _CALENDAR),
    "BookingRescheduled": Lookup("bookings", "booking_id", _CALENDAR),
    "BookingCancelled": Lookup("bookings", "booking_id", _CALENDAR),
    "BookingReminderDue": Lookup("bookings", "booking_id"),
    "WaitlistOfferMade": Lookup("bookings", "hold_id"),
}
CONTACT_LOOKUPS = {"WaitlistOfferMade": Lookup("housing", "case_id")}

EVENT_TYPES = tuple(LOOKUPS)
# What happened to a case after triage goes on the person's timeline, but
# sends nothing: the caseworker contacts them as the case needs.
TIMELINE_ONLY = frozenset({"CaseAssigned", "CaseClosed"})


def lookups(event_type, data):
    """(facts lookup, contact lookup or None): where the contact is not
    with the facts, the second names who keeps it; None when nobody does."""
    facts = LOOKUPS[event_type]
    contact = CONTACT_LOOKUPS.get(event_type)
    if contact is not None and not data.get(contact.id_field):
        return facts, None
    return facts, contact


@dataclasses.dataclass(frozen=True)
class Draft:
    """One message, rendered, for one address; and its fallback."""
    template_id: str
    version: int
    channel: str
    to: str
    subject: str | None
    body: str
    attachment: tuple | None = None       # (filename, content type, bytes)
    fallback_to: str | None = None
    fallback_subject: str | None = None
    fallback_body: str | None = None

    def __repr__(self):
        return f"Draft({self.template_id} v{self.version}, {self.channel})"


def contact_from(facts):
    """The Contact in an owner's facts, or None if the person gave none."""
    raw = (facts or {}).get("contact")
    if not raw:
        return None
    return channels.Contact(email=raw.get("email"), phone=raw.get("phone"),
                            preferred=raw.get("preferred") or channels.NONE,
                            safe_channel_only=bool(raw.get("safe_channel_only")))


def variant(event_type, data, contact):
    if event_type == "ReportResolved":
        return data["outcome"]
    if event_type == "CaseTriaged" and contact.safe_channel_only:
        return "safe"
    return None


def _sentence(text):
    text = (text or "").strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def values(event_type, data, facts, links):
    """The template's values, from the event and the owner's facts; links
    (a links.Links) makes the addresses of the pages they link to."""
    def link(kind):
        return links.from_facts(facts, kind)

    if event_type in ("ReportFiled", "ReportResolved"):
        return {"reference": facts["reference"], "bin_type": facts.get("service_name"),
                "collection_date": day_text(facts.get("collection_date")),
                "return_by": when_text(facts.get("due_by")),
                "reason": facts.get("reason") or data.get("reason"),
                "tracking_link": link(REPORT_TRACKING),
                "contact_link": link(REPORT_TRACKING)}
    if event_type == "CaseTriaged":
        return {"reference": facts["reference"],
                "next_steps": _sentence(facts.get("next_step_text")),
                "respond_by": day_text(facts.get("respond_by")),
                "housing_phone": facts.get("phone")}
    booking = {"reference": facts["reference"],
               "appointment_type": (facts.get("type_name") or "").lower(),
               "appointment_time": when_text(facts.get("start")),
               "start_time": clock_text(facts.get("start")),
               "office_name": facts.get("office_name"),
               "office_address": facts.get("office_address"),
               "manage_link": link(BOOKING_MANAGEMENT),
               "book_link": links.url(BOOKING_START)}
    if event_type == "BookingRescheduled":
        booking["previous_time"] = when_text(data.get("previous_starts_at"))
    if event_type == "WaitlistOfferMade":
        booking["held_until"] = when_text(data.get("expires_at"))
        booking["take_link"] = link(WAITLIST_OFFER)
    return booking


def _attachment(channel, facts):
    ics = facts.get("calendar_ics")
    if channel != channels.EMAIL or not ics:
        return None
    return (f"{facts['reference']}.ics", "text/calendar", ics.encode("utf-8"))


def draft(templates, event_type, data, facts, contact, links):
    """The message for this event, or None when there is nobody to tell.
    MissingPlaceholders when the facts cannot fill the template: better no
    message than one with a hole in it."""
    if contact is None or event_type in TIMELINE_ONLY:
        return None
    if event_type == "BookingReminderDue" and facts.get("status") != "confirmed":
        return None  # cancelled since the reminder fell due: no reminder
    order = channels.choose(contact)
    if not order:
        return None
    template_id = templates.for_event(event_type, variant(event_type, data, contact))
    version = templates.versions(template_id)[-1]
    filled = values(event_type, data, facts, links)
    first = templates.get(template_id, version, order[0]).render(filled)
    fallback = {}
    if len(order) > 1 and order[1] in templates.channels(template_id, version):
        second = templates.get(template_id, version, order[1]).render(filled)
        fallback = {"fallback_to": contact.address(order[1]),
                    "fallback_subject": second.subject, "fallback_body": second.body}
    return Draft(template_id=template_id, version=version, channel=order[0],
                 to=contact.address(order[0]), subject=first.subject, body=first.body,
                 attachment=_attachment(order[0], facts), **fallback)


def other_channel(channel):
    return channels.SMS if channel == channels.EMAIL else channels.EMAIL


# --- after a failed send -------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Next:
    """What a failed send leads to: `retry_at` (the same address again),
    `fall_back` (a new message on the other channel), or neither (give up:
    `status` is failed for a permanent failure, dead when out of attempts)."""
    status: str
    retry_at: dt.datetime | None = None
    fall_back: bool = False


def after_failure(failure, attempts, now, has_fallback, max_attempts=DEFAULT_MAX_ATTEMPTS,
                  backoff_base=channels.BACKOFF_BASE_SECONDS):
    """`failure` is a SendFailed-like object (kind, retry_after); `attempts`
    the tries made so far, this one included."""
    if failure.kind is channels.Failure.PERMANENT:
        return Next("failed", fall_back=has_fallback)
    if attempts >= max_attempts:
        return Next("dead")
    wait = channels.backoff(attempts, failure.retry_after, backoff_base)
    return Next("pending", retry_at=now + dt.timedelta(seconds=wait))
