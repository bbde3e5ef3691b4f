"""A resident's timeline: what each event and message says about them, in
words, and how a resident is known without keeping their address.

A resident is known by a keyed hash of each address they gave: the same
email address on a bin report and a booking is one timeline. The key stays
with the service, so a hash cannot be turned back into an address by
guessing.
"""
import dataclasses
import hashlib
import hmac

from services.council.contact import normalise_mobile
from services.council.words import day_text, when_text
from services.notify.domain import channels


def normalise_address(channel, value):
    """An address as one resident would give it on different days: email
    in lower case; a UK mobile number as +447..."""
    value = (value or "").strip()
    if channel == channels.EMAIL:
        return value.lower()
    return normalise_mobile(value) or value


def address_channel(value):
    return channels.EMAIL if "@" in (value or "") else channels.SMS


def resident_hash(key, channel, value):
    normal = normalise_address(channel, value)
    return hmac.new(key, f"{channel}:{normal}".encode("utf-8"), hashlib.sha256).digest()


def resident_hashes(key, contact):
    """One hash per address the resident gave (at most two); for someone who
    asked for one safe channel, that channel's only: a timeline asked for at
    the other address would show their request on a device that may not be
    safe."""
    if contact is None:
        return []
    allowed = channels.choose(contact) if contact.safe_channel_only else \
        (channels.EMAIL, channels.SMS)
    return [resident_hash(key, channel, contact.address(channel))
            for channel in (channels.EMAIL, channels.SMS)
            if channel in allowed and contact.address(channel)]


@dataclasses.dataclass(frozen=True)
class Entry:
    kind: str
    title: str
    detail: str | None = None
    reference: str | None = None


def _type(facts):
    return (facts.get("type_name") or "appointment").lower()


def for_event(event_type, data, facts, safe=False):
    """The entry an event adds to its resident's timeline, or None. For
    someone who asked for one safe channel it says as little as the safe
    message does."""
    ref = facts.get("reference")
    if event_type == "ReportFiled":
        return Entry("report", f"You reported a missed {facts.get('service_name')} collection",
                     f"Due on {day_text(facts.get('collection_date'))}. A crew will come "
                     f"back by {when_text(facts.get('due_by'))}.", ref)
    if event_type == "ReportResolved":
        if data.get("outcome") == "collected":
            return Entry("report", f"Your {facts.get('service_name')} was collected", None, ref)
        reason = facts.get("reason") or data.get("reason")
        return Entry("report", f"The crew could not collect your {facts.get('service_name')}",
                     f"The crew recorded: {reason}" if reason else None, ref)
    if event_type == "CaseTriaged":
        if safe:
            return Entry("case", "We have your request", None, ref)
        return Entry("case", "You asked us for help with housing",
                     facts.get("next_step_title"), ref)
    if event_type == "CaseAssigned":
        return Entry("case", "Your request was updated" if safe else
                     "A caseworker is working on your case", None, ref)
    if event_type == "CaseClosed":
        return Entry("case", "Your request was updated" if safe else
                     "Your case was closed", None, ref)
    when = when_text(facts.get("start"))
    if event_type == "SlotBooked":
        return Entry("booking", f"You booked a {_type(facts)} appointment",
                     f"{when} at {facts.get('office_name')}.", ref)
    if event_type == "BookingRescheduled":
        return Entry("booking", f"Your {_type(facts)} appointment moved",
                     f"Now {when} at {facts.get('office_name')}.", ref)
    if event_type == "BookingCancelled":
        return Entry("booking", f"Your {_type(facts)} appointment was cancelled",
                     f"It was {when}.", ref)
    if event_type == "WaitlistOfferMade":
        return Entry("booking", f"A {_type(facts)} appointment came free for you",
                     f"{when} at {facts.get('office_name')}, held until "
                     f"{when_text(data.get('expires_at'))}.", ref)
    return None


def for_message(channel, subject):
    if channel == channels.EMAIL:
        return Entry("message", f"We emailed you: {subject}")
    return Entry("message", "We sent you a text message")
