"""The notify service's use cases: turn an event into a message and timeline
entries, send what is due, take delivery receipts, show a timeline.

Functions take a unit of work (its `store` is their only way to SQL), or
a read's store, and plain values; `tell` and `send`, which span several
transactions, take the database (its `transaction()`), the owners to ask
and the clock. The nameko entrypoints in service.py call them. No
addresses or message words go into logs or events: a message is known by
its id.
"""
import dataclasses
import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from services.kit import references
from services.kit.db import Store, Work
from services.kit.envelope import Event
from services.notify.domain import channels, links, messages, timeline
from services.notify.domain.templates import TemplateSet
from services.notify.owners import Owners, SubjectGone
from services.notify.providers import OutgoingMessage, Provider, SendFailed, SendResult
from services.notify.settings import NotifySettings

log = logging.getLogger(__name__)

# A row of the store's: column name -> value.
Row = Mapping[str, Any]
Clock = Callable[[], dt.datetime]


class Transactions(Protocol):
    """The database as `tell` and `send` use it (services.kit.providers'
    Database): a unit of work per transaction."""

    def transaction(self, single_statement: bool = False) -> AbstractContextManager[Work]: ...


# --- events in ----------------------------------------------------------------

def tell(db: Transactions, owners: Owners, settings: NotifySettings, templates: TemplateSet,
         providers: Mapping[str, Provider], event: Event, clock: Clock) -> int:
    """Handles a resident-facing event once: asks the owner of the person's
    contact details what to say, writes the message and timeline entries,
    and sends the message straight after the commit. MissingPlaceholders
    when a template and its facts disagree."""
    # The owner is asked before the transaction, so no database
    # connection waits on another service.
    facts_at, contact_at = messages.lookups(event.event_type, event.data)
    try:
        facts = owners.facts(facts_at, event.data)
        holder = owners.facts(contact_at, event.data) if contact_at else facts
    except SubjectGone:
        facts = holder = None
    with db.transaction() as uow:
        if not uow.claim(f"notify.{event.event_type}", event.event_id) or facts is None:
            return 0
        ids = record_event(uow, settings, templates, event, facts,
                           messages.contact_from(holder), clock())
    return send(db, settings, providers, clock, ids)


def record_event(uow: Work, settings: NotifySettings, templates: TemplateSet, event: Event,
                 facts: Mapping[str, Any], contact: channels.Contact | None,
                 now: dt.datetime) -> list[uuid.UUID]:
    """The message (at most one) and timeline entries for an event, written
    together: the ids of messages to send now. MissingPlaceholders when the
    facts cannot fill the template."""
    repo = uow.store
    draft = messages.draft(templates, event.event_type, event.data, facts, contact,
                           settings.links())
    hashes = timeline.resident_hashes(settings.secret_key, contact)
    entry = timeline.for_event(event.event_type, event.data, facts,
                               safe=bool(contact and contact.safe_channel_only))
    rows = []
    if entry is not None:
        rows += [_entry_row(h, str(event.event_id), event.occurred_at, entry) for h in hashes]
    created = []
    if draft is not None:
        message_id = _add(repo, settings, event.event_id, event.event_type, draft, now)
        if message_id is not None:
            created.append(message_id)
            note = timeline.for_message(draft.channel, draft.subject)
            rows += [_entry_row(h, f"message:{message_id}", now, note, message_id)
                     for h in hashes]
    if rows:
        repo.add_entries(rows)
    return created


def _entry_row(resident_hash: bytes, key: str, occurred_at: dt.datetime, entry: timeline.Entry,
               message_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {"resident_hash": resident_hash, "entry_key": key, "occurred_at": occurred_at,
            **dataclasses.asdict(entry), "message_id": message_id}


def _add(repo: Store, settings: NotifySettings, event_id: uuid.UUID, event_type: str,
         draft: messages.Draft, now: dt.datetime,
         fallback_of: uuid.UUID | None = None) -> uuid.UUID | None:
    attachment = draft.attachment or (None, None, None)
    return repo.add_message({
        "id": uuid.uuid4(), "event_id": event_id, "event_type": event_type,
        "template_id": draft.template_id, "template_version": draft.version,
        "channel": draft.channel,
        "recipient_hash": timeline.resident_hash(settings.secret_key, draft.channel, draft.to),
        "to_address": draft.to, "subject": draft.subject, "body": draft.body,
        "attachment_name": attachment[0], "attachment": attachment[2],
        "fallback_address": draft.fallback_to, "fallback_subject": draft.fallback_subject,
        "fallback_body": draft.fallback_body, "due_at": now, "fallback_of": fallback_of,
        "created_at": now})


# --- sending ------------------------------------------------------------------

def send(db: Transactions, settings: NotifySettings, providers: Mapping[str, Provider],
         clock: Clock, ids: Sequence[uuid.UUID] | None = None) -> int:
    """Sends the given messages (or up to SEND_BATCH due ones), claiming
    each just before its send; each result commits on its own, so a crash
    loses at most the one in hand, which the sweep then looks for at the
    provider before sending again. How many were sent."""
    sent, fallbacks = 0, []
    for _ in range(settings.send_batch if ids is None else len(ids)):
        with db.transaction() as uow:
            claimed = claim_due(uow, settings, clock(), ids)
        if not claimed:
            break
        [row] = claimed
        outcome = attempt(providers, row)
        with db.transaction() as uow:
            settled = settle(uow, settings, row, outcome, clock())
        sent += settled.status == "sent"
        fallbacks += settled.send_now
    return sent + send(db, settings, providers, clock, fallbacks) if fallbacks else sent


def claim_due(uow: Work, settings: NotifySettings, now: dt.datetime,
              ids: Sequence[uuid.UUID] | None = None, limit: int = 1) -> list[dict[str, Any]]:
    """Claims are one message at a time by default, so a lease starts just
    before its send rather than waiting behind a batch."""
    lease = now + dt.timedelta(seconds=settings.send_lease_seconds)
    return uow.store.claim_due(now, lease, limit, ids)


def outgoing(row: Row) -> OutgoingMessage:
    attachment = None
    if row["attachment"] is not None:
        attachment = (row["attachment_name"], "text/calendar", bytes(row["attachment"]))
    return OutgoingMessage(message_id=str(row["id"]), channel=row["channel"],
                           to=row["to_address"], subject=row["subject"], body=row["body"],
                           attachment=attachment,
                           template=f"{row['template_id']} v{row['template_version']}")


def attempt(providers: Mapping[str, Provider], row: Row) -> SendResult | SendFailed:
    """Sends a claimed message: a SendResult or a SendFailed. A message whose
    last try may have reached the provider is looked for first, so a send
    that timed out is never sent twice."""
    provider = providers[row["channel"]]
    if row["uncertain"]:
        try:
            found = provider.find(str(row["id"]))
        except SendFailed as failed:
            failed.uncertain = True  # still not known whether the last try went
            return failed
        if found is not None:
            return found
    try:
        return provider.send(outgoing(row))
    except SendFailed as failed:
        return failed
    except Exception as exc:  # a provider's own bug: retried, then dead, never stuck
        log.exception("provider raised", extra={"message_id": str(row["id"])})
        return SendFailed("temporary", f"the provider raised {type(exc).__name__}",
                          uncertain=True)


@dataclasses.dataclass
class Settled:
    status: str
    send_now: list = dataclasses.field(default_factory=list)


def settle(uow: Work, settings: NotifySettings, row: Row, outcome: SendResult | SendFailed,
           now: dt.datetime) -> Settled:
    """Records what a send came to: sent; tried again later; or failed for
    good (then the other channel, if the resident gave one) or out of
    attempts (dead, for an operator to replay). Nothing at all when this
    sender's claim has lapsed and another took the message, or a receipt or
    an operator got there first: theirs is the word that counts."""
    repo = uow.store
    if not isinstance(outcome, SendFailed):
        held = repo.mark_sent(row, outcome.provider, outcome.provider_id, now)
        return Settled("sent" if held else "lost")
    nxt = messages.after_failure(outcome, row["attempts"], now,
                                 has_fallback=bool(row["fallback_address"]),
                                 max_attempts=settings.max_attempts,
                                 backoff_base=settings.backoff_base_seconds)
    reason = f"{outcome.kind.value}: {outcome.reason}"[:300]
    log.warning("send failed", extra={"message_id": str(row["id"]), "channel": row["channel"],
                                      "attempt": row["attempts"], "next": nxt.status,
                                      "reason": reason})
    if nxt.status == "pending":
        held = repo.retry_later(row, nxt.retry_at, reason, outcome.uncertain)
        return Settled("pending" if held else "lost")
    if not repo.finish(row, nxt.status, reason, now, uncertain=outcome.uncertain):
        return Settled("lost")
    settled = Settled(nxt.status)
    if nxt.fall_back:
        fallback = _fall_back(repo, settings, row, now)
        if fallback:
            settled.send_now.append(fallback)
    _publish_failed(uow, row, nxt.status, reason, settled.send_now, now)
    return settled


def _fall_back(repo: Store, settings: NotifySettings, row: Row,
               now: dt.datetime) -> uuid.UUID | None:
    channel = messages.other_channel(row["channel"])
    draft = messages.Draft(template_id=row["template_id"], version=row["template_version"],
                           channel=channel, to=row["fallback_address"],
                           subject=row["fallback_subject"], body=row["fallback_body"])
    message_id = _add(repo, settings, row["event_id"], row["event_type"], draft, now,
                      fallback_of=row["id"])
    if message_id is not None:
        note = timeline.for_message(channel, draft.subject)
        hashes = repo.resident_of_message(row["id"])
        repo.add_entries([_entry_row(h, f"message:{message_id}", now, note, message_id)
                          for h in hashes])
    return message_id


def _publish_failed(uow: Work, row: Row, status: str, reason: str,
                    fallbacks: Sequence[uuid.UUID], now: dt.datetime) -> None:
    uow.publish("NotificationFailed", {
        **_about(row), "status": status, "reason": reason,
        "fallback_message_id": str(fallbacks[0]) if fallbacks else None}, occurred_at=now)


def _about(row: Row) -> dict[str, Any]:
    return {"message_id": str(row["id"]), "event_id": str(row["event_id"]),
            "event_type": row["event_type"], "template_id": row["template_id"],
            "template_version": row["template_version"], "channel": row["channel"]}


# --- delivery receipts --------------------------------------------------------

def record_receipt(uow: Work, settings: NotifySettings, message_id: uuid.UUID, status: str,
                   now: dt.datetime) -> list[uuid.UUID] | None:
    """Notify's word on a message it sent (its `reference` is our id):
    delivered, or failed; a permanent failure falls back to the other
    channel. A receipt that changes nothing (a repeat) publishes nothing.
    Returns the ids of messages to send now."""
    repo = uow.store
    row = repo.message(message_id, lock=True)
    if row is None:
        return None
    if status == "delivered":
        if repo.delivered(row["id"], now):
            uow.publish("NotificationDelivered", {**_about(row), "status": "delivered"},
                        occurred_at=now)
        return []
    failure = SendFailed(channels.classify(error_name=status), f"the provider said {status}")
    # A receipt can beat the sender's own record of the send ('sending').
    if not repo.failed_by_receipt(row["id"], f"{failure.kind.value}: {failure.reason}",
                                  now):
        return []
    send_now = []
    if failure.permanent and row["fallback_address"]:
        fallback = _fall_back(repo, settings, row, now)
        send_now += [fallback] if fallback else []
    _publish_failed(uow, row, "failed", failure.reason, send_now, now)
    return send_now


# --- operators ----------------------------------------------------------------

def list_dead(repo: Store, limit: int = 100) -> list[dict[str, Any]]:
    return [{**r, "id": str(r["id"]), "event_id": str(r["event_id"]),
             "created_at": r["created_at"].isoformat(),
             "finished_at": r["finished_at"].isoformat() if r["finished_at"] else None}
            for r in repo.dead(limit)]


def replay(uow: Work, message_id: uuid.UUID, now: dt.datetime) -> bool:
    return uow.store.replay(message_id, now)


def forget_old(uow: Work, settings: NotifySettings, now: dt.datetime) -> int:
    """Addresses left on old messages, expired timeline codes, and timeline
    entries past their retention: the number of rows changed."""
    repo = uow.store
    return (repo.forget_old(now - dt.timedelta(days=settings.forget_after_days))
            + repo.drop_expired_codes(now)
            + repo.drop_old_entries(now - dt.timedelta(days=settings.timeline_days)))


# --- the timeline -------------------------------------------------------------

def _code_hash(code: str) -> bytes:
    return hashlib.sha256(references.normalise_code(code).encode("utf-8")).digest()


def send_timeline_link(uow: Work, settings: NotifySettings, templates: TemplateSet,
                       address: str, now: dt.datetime) -> list[uuid.UUID | None]:
    """Sends a link to the timeline of whoever gave `address`, if anything
    happened to them; the caller says the same either way, so the answer
    does not tell who uses the council's services. Message ids to send."""
    repo = uow.store
    channel = timeline.address_channel(address)
    resident = timeline.resident_hash(settings.secret_key, channel, address)
    repo.lock_resident(resident)  # two requests at once send one link
    if not repo.has_timeline(resident) or repo.code_since(
            resident, now - dt.timedelta(minutes=settings.timeline_link_minutes)):
        # nothing to show, or a link went a moment ago: asking again and
        # again must not flood someone's phone (perhaps their safe one)
        return []
    code = references.new_code()
    repo.add_code(_code_hash(code), resident, now,
                  now + dt.timedelta(days=settings.timeline_code_days))
    template_id = "timeline-link"
    version = templates.versions(template_id)[-1]
    rendered = templates.get(template_id, version, channel).render(
        {"timeline_link": settings.links().url(links.TIMELINE, code=code)})
    draft = messages.Draft(template_id, version, channel,
                           timeline.normalise_address(channel, address),
                           rendered.subject, rendered.body)
    message_id = _add(repo, settings, uuid.uuid4(), "TimelineLinkAsked", draft, now)
    return [message_id]


def read_timeline(repo: Store, code: str, now: dt.datetime,
                  limit: int = 500) -> list[dict[str, Any]] | None:
    resident = repo.resident_for_code(_code_hash(code), now)
    if resident is None:
        return None
    return [{"at": r["occurred_at"].isoformat(), "kind": r["kind"], "title": r["title"],
             "detail": r["detail"], "reference": r["reference"],
             "message_status": r["message_status"], "channel": r["channel"]}
            for r in repo.entries(resident, limit)]
