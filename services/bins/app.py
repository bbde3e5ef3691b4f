"""The bins use cases: load facts from the store, ask the domain, store and
announce what it decides, and shape the answer. Plain functions taking a
unit of work (its `store` is their only way to SQL) or a read's store, the
settings and "now", so service.py stays a thin layer of nameko entrypoints.
"""
import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from marshmallow import ValidationError

from services.bins import store
from services.bins.domain import calendar_feed, contact, rules, schedule
from services.bins.domain.model import (REFERENCE_PREFIX, Collection, ExceptionKind, Outcome,
                                        PropertyService, Round, Service)
from services.bins.errors import (PropertyNotFound, ReportNotFound, ReportRejected,
                                  RoundForbidden, RoundNotFound, RoundRejected)
from services.bins.settings import BinsSettings
from services.kit import references
from services.kit.db import Store, Work
from services.kit.rules import RuleBroken
from services.kit.replies import wire_value
from services.council import links
from services.council.workdays import working_calendar
from services.council.words import day_text

SERVICE_ORDER = {s.value: i for i, s in enumerate(Service)}
OPEN311_CODES = {f"missed-{s.value}": s for s in Service}
OPEN311_MAX_DAYS = 90
OPEN311_MAX_RESULTS = 1000
REFERENCE_ATTEMPTS = 8
# A crew device's clock may run a little fast; more than this is refused.
COMPLETION_CLOCK_SKEW = dt.timedelta(minutes=5)
# Compared against when a reference is unknown, so both failures take as long.
_NO_SECRET = hashlib.sha256(b"no such report").digest()

# A row of the store's, or a use case's answer: column or field name -> value.
Row = Mapping[str, Any]


def address_text(row: Row) -> str:
    return ", ".join(list(row["address_lines"]) + [row["postcode"]])


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def _property(repo: Store, uprn: str) -> Row:
    prop = repo.property_by_uprn(uprn)
    if prop is None:
        raise PropertyNotFound("We could not find a property with that reference.")
    return prop


def _property_service(row: Row) -> PropertyService:
    return PropertyService(row["uprn"], Service(row["service"]), row["round_id"],
                           row["assisted"], row["subscribed_until"])


def _collection_view(c: Collection) -> dict[str, Any]:
    return {"date": wire_value(c.date), "scheduled_for": wire_value(c.scheduled_for),
            "moved": c.moved}


def _effective_now(settings: BinsSettings, now: dt.datetime,
                   today: dt.date | None) -> dt.datetime:
    """`today` pretends it is that date at the present local time of day."""
    if today is None:
        return now
    local = now.astimezone(settings.report.tz)
    return dt.datetime.combine(today, local.timetz().replace(tzinfo=None),
                               tzinfo=settings.report.tz)


# -- residents: bin days -------------------------------------------------------------


def find_addresses(repo: Store, postcode: str) -> dict[str, Any]:
    rows = repo.addresses_by_postcode(postcode)

    def natural(row: Row) -> list[tuple[int, int, str]]:
        return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower())
                for part in _split_digits(" ".join(row["address_lines"]))]

    rows = sorted(rows, key=natural)
    return {"postcode": postcode,
            "addresses": [{"uprn": r["uprn"], "address": ", ".join(r["address_lines"]),
                           "lines": list(r["address_lines"])} for r in rows]}


def _split_digits(text: str) -> list[str]:
    part, parts = "", []
    for ch in text:
        if part and ch.isdigit() != part[-1].isdigit():
            parts.append(part)
            part = ""
        part += ch
    return parts + [part] if part else parts


def _last_status(last: Collection, completed_at: dt.datetime | None, exception: str | None,
                 today: dt.date) -> tuple[str, dict[str, str] | None]:
    if exception is not None:
        kind = ExceptionKind(exception)
        return "exception", {"kind": kind.value,
                             "reason": f"The crew recorded that {kind.resident_text}."}
    if completed_at is not None:
        return "completed", None
    if last.date == today:
        return "still_out", None
    return "scheduled", None


def bin_days(repo: Store, settings: BinsSettings, now: dt.datetime, uprn: str,
             today: dt.date | None = None) -> dict[str, Any]:
    prop = _property(repo, uprn)
    now = _effective_now(settings, now, today)
    today = settings.today(now)
    cal = working_calendar(today - dt.timedelta(days=31),
                           today + dt.timedelta(weeks=settings.upcoming_weeks))
    plans = []
    for row in sorted(repo.services_of(uprn), key=lambda r: SERVICE_ORDER[r["service"]]):
        rnd = store.round_from_row(row)
        ps = _property_service(row)
        last, ahead = schedule.last_and_next(rnd, today, cal, settings.schedule,
                                             weeks=settings.upcoming_weeks)
        plans.append((row, rnd, ps, last, [c for c in ahead if ps.active_on(c.date)]))
    pairs = [(rnd.id, last.date) for _, rnd, _, last, _ in plans if last]
    completed = repo.completions(pairs)
    exceptions = repo.exceptions_for(uprn, pairs)
    open_reports = repo.open_reports_for(uprn)

    services = []
    for _row, rnd, ps, last, ahead in plans:
        key = (rnd.id, last.date) if last else None
        done = completed.get(key)
        exception = exceptions.get(key)
        decision = rules.check_missed_report(
            service=rnd.service, property_service=ps, collection=last, completed_at=done,
            exception=exception,
            open_report=open_reports.get((rnd.service.value, last.date)) if last else None,
            now=now, calendar=cal, settings=settings.report)
        if isinstance(decision, rules.Accepted):
            report: dict[str, Any] = {"allowed": True, "code": None, "reason": None}
        elif isinstance(decision, rules.Duplicate):
            report = {"allowed": False, "code": "already_reported",
                      "reason": "This missed collection has already been reported "
                                f"(reference {decision.reference}). The crew will return."}
        else:
            report = {"allowed": False, "code": decision.code, "reason": decision.reason}
        report["collection_date"] = wire_value(last.date) if last else None
        last_view = None
        if last:
            status, exception_view = _last_status(last, done, exception, today)
            last_view = dict(_collection_view(last), status=status, exception=exception_view)
        item = {"service": rnd.service.value, "name": rnd.service.label,
                "round_id": rnd.id, "frequency": rnd.frequency.value, "week": rnd.week,
                "weekday": rnd.weekday, "assisted": ps.assisted, "last": last_view,
                "next": [_collection_view(c) for c in ahead], "report": report}
        if rnd.service is Service.GARDEN:
            item["subscribed_until"] = wire_value(ps.subscribed_until)
            item["subscription_active"] = ps.active_on(today)
        services.append(item)
    return {"uprn": uprn, "address": ", ".join(prop["address_lines"]),
            "postcode": prop["postcode"], "today": wire_value(today), "services": services}


def calendar(repo: Store, settings: BinsSettings, now: dt.datetime, uprn: str,
             weeks: int) -> dict[str, str]:
    prop = _property(repo, uprn)
    start = settings.today(now)
    end = start + dt.timedelta(weeks=weeks, days=-1)
    cal = working_calendar(start, end)
    found = []
    for row in repo.services_of(uprn):
        rnd, ps = store.round_from_row(row), _property_service(row)
        found += [c for c in schedule.collections(rnd, start, end, cal, settings.schedule)
                  if ps.active_on(c.date)]
    address = ", ".join(list(prop["address_lines"][:1]) + [prop["postcode"]])
    ics = calendar_feed.build(uprn, address, found, generated_at=now)
    return {"filename": f"bin-days-{uprn}.ics", "ics": ics}


# -- residents: reports ---------------------------------------------------------------


def report_view(row: Row, settings: BinsSettings) -> dict[str, Any]:
    # Times go out in the council's time zone, as residents read them.
    def local(moment: dt.datetime | None) -> str | None:
        return wire_value(moment.astimezone(settings.report.tz)) if moment is not None else None

    return {"id": str(row["id"]), "reference": row["reference"], "service": row["service"],
            "collection_date": wire_value(row["collection_date"]), "status": row["status"],
            "outcome": row["outcome"], "outcome_reason": row["outcome_reason"],
            "due_by": local(row["due_by"]), "filed_at": local(row["filed_at"]),
            "resolved_at": local(row["resolved_at"]), "address": address_text(row)}


def _existing(row: Row, settings: BinsSettings) -> dict[str, Any]:
    return {"created": False, "report": report_view(row, settings)}


def _new_secret(settings: BinsSettings, report_id: uuid.UUID,
                idempotency_key: str | None) -> str:
    """Random, or, for a keyed submission, derived from the key: only the
    one who sent that submission can send it again and get the secret."""
    if not idempotency_key:
        return secrets.token_urlsafe(18)
    mac = hmac.new(settings.secret_key, f"{report_id}\n{idempotency_key}".encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def _secret_again(settings: BinsSettings, row: Row, idempotency_key: str | None) -> str | None:
    """The secret of a report filed with an idempotency key, derived again;
    None when it cannot be (no key, or a change of secret key since)."""
    if not idempotency_key:
        return None
    secret = _new_secret(settings, row["id"], idempotency_key)
    return secret if hmac.compare_digest(_hash(secret), bytes(row["secret_sha256"])) else None


def _same_submission(row: Row, settings: BinsSettings,
                     idempotency_key: str | None) -> dict[str, Any]:
    """The report this submission already made, with its secret again when
    it can be derived (not across a change of secret key)."""
    answer = _existing(row, settings)
    secret = _secret_again(settings, row, idempotency_key)
    if secret is not None:
        answer["secret"] = secret
    return answer


def file_report(uow: Work, settings: BinsSettings, now: dt.datetime, uprn: str, service: str,
                collection_date: dt.date | None = None, idempotency_key: str | None = None,
                channel: str = "api", email: str | None = None, phone: str | None = None,
                preferred: str | None = None) -> dict[str, Any]:
    # The busiest write residents make: two statements, without BEGIN and
    # COMMIT (uow is a single-statement unit of work): the facts (property,
    # round, the crew's records), then the report with its outbox row.
    # The contact details (optional, validated by the schema) are kept with
    # a new report only; its event never carries them.
    repo = uow.store
    if idempotency_key:
        earlier = repo.report_by_idempotency_key(idempotency_key)
        if earlier is not None:
            return _same_submission(earlier, settings, idempotency_key)
    today = settings.today(now)
    since = min(today, collection_date or today) - dt.timedelta(days=31)
    prop = repo.property_with_service(uprn, service, since)
    if prop is None:
        raise PropertyNotFound("We could not find a property with that reference.")
    cal = working_calendar(since, collection_date or today)
    ps = rnd = collection = None
    completed_at = exception = open_report = None
    if prop["round_id"] is not None:
        rnd, ps = store.round_from_row(prop), _property_service(prop)
        if collection_date is not None:
            collection = schedule.collection_on(rnd, collection_date, cal, settings.schedule)
        else:
            collection, _ = schedule.last_and_next(rnd, today, cal, settings.schedule, weeks=0)
    if collection is not None:
        day = collection.date.isoformat()
        done = prop["completions"].get(day)
        completed_at = dt.datetime.fromisoformat(done) if done else None
        exception = prop["exceptions"].get(day)
        if day in prop["open_reports"]:
            open_report = repo.report_by_id(prop["open_reports"][day])
    decision = rules.check_missed_report(
        service=Service(service), property_service=ps, collection=collection,
        completed_at=completed_at, exception=exception,
        open_report=open_report["reference"] if open_report else None, now=now,
        calendar=cal, settings=settings.report, asked_for=collection_date)
    if isinstance(decision, RuleBroken):
        raise ReportRejected.from_rule(decision)
    if isinstance(decision, rules.Duplicate):
        assert open_report is not None  # a duplicate of the open report found above
        return _existing(open_report, settings)
    # Accepted: so the property has the service, on a round, and it was due.
    assert rnd is not None and collection is not None

    for _ in range(REFERENCE_ATTEMPTS):
        report_id = uuid.uuid4()
        secret = _new_secret(settings, report_id, idempotency_key)
        report = {"id": report_id, "reference": references.new_reference(REFERENCE_PREFIX),
                  "secret_sha256": _hash(secret), "idempotency_key": idempotency_key,
                  "uprn": uprn, "service": service, "collection_date": collection.date,
                  "round_id": rnd.id, "crew_id": rnd.crew_id, "channel": channel,
                  "filed_at": now, "due_by": decision.due_by,
                  "contact_email": email, "contact_phone": phone,
                  "contact_preferred": contact.preferred_channel(email, phone, preferred)
                  if (email or phone) else None}
        event = uow.event("ReportFiled", {
            "report_id": str(report_id), "reference": report["reference"], "uprn": uprn,
            "service": service, "collection_date": collection.date.isoformat(),
            "round_id": rnd.id, "crew_id": rnd.crew_id, "due_by": decision.due_by.isoformat(),
        }, occurred_at=now, headers={"round_id": rnd.id})
        inserted = repo.insert_report(report, event)
        if inserted is not None:
            break
        # Someone got there first (a double click, a retry): theirs stands.
        if idempotency_key:
            earlier = repo.report_by_idempotency_key(idempotency_key)
            if earlier is not None:
                return _same_submission(earlier, settings, idempotency_key)
        earlier = repo.open_report_for(uprn, service, collection.date)
        if earlier is not None:
            return _existing(earlier, settings)
        # Otherwise the reference was taken: draw another.
    else:
        raise RuntimeError("could not allocate a free report reference")
    uow.enqueued(inserted.pop("outbox_id"))
    return {"created": True, "report": report_view({**prop, **report, **inserted}, settings),
            "secret": secret}


def _contact(row: Row) -> dict[str, Any] | None:
    """Where the resident asked to be told what happens, or None."""
    email, phone = row["contact_email"], row["contact_phone"]
    if not email and not phone:
        return None
    return {"email": email, "phone": phone,
            "preferred": contact.preferred_channel(email, phone, row["contact_preferred"]),
            "safe_channel_only": False}


def _tracking_link(settings: BinsSettings, row: Row) -> dict[str, Any]:
    """The report's tracking page, with the tracking code when it can be
    derived again (a report filed with an idempotency key, under the same
    secret key); a random code is not kept, so then the page asks for it."""
    return links.link(links.REPORT_TRACKING, row["reference"],
                      _secret_again(settings, row, row["idempotency_key"]))


def notification_facts(repo: Store, settings: BinsSettings,
                       report_id: uuid.UUID) -> dict[str, Any]:
    """The facts a message about this report needs, for the notification
    service to fetch when the event arrives (events carry only ids). The
    tracking link may hold the report's tracking code: it goes only to the
    resident's own address."""
    row = repo.notification_facts(report_id)
    if row is None:
        raise ReportNotFound("There is no such report.")
    not_collected = row["outcome"] == Outcome.NOT_COLLECTED.value
    return {"contact": _contact(row), "reference": row["reference"],
            "service": row["service"], "service_name": Service(row["service"]).label.lower(),
            "collection_date": wire_value(row["collection_date"]),
            "due_by": row["due_by"].astimezone(dt.timezone.utc).isoformat(),
            "status": row["status"], "outcome": row["outcome"],
            "reason": (row["outcome_reason"] or None) if not_collected else None,
            "links": [_tracking_link(settings, row)]}


def report_status(repo: Store, settings: BinsSettings, reference: str,
                  secret: str) -> dict[str, Any]:
    row = repo.report_by_reference(reference)
    stored = bytes(row["secret_sha256"]) if row is not None else _NO_SECRET
    matches = hmac.compare_digest(_hash(secret), stored)
    if row is None or not matches:
        raise ReportNotFound("We could not find a report with that reference and code. "
                             "Check both and try again.")
    return report_view(row, settings)


# -- crews -------------------------------------------------------------------------------


def _round(repo: Store, round_id: str, crew_id: str, supervisor: bool) -> Round:
    row = repo.round_by_id(round_id)
    if row is None:
        raise RoundNotFound(f"There is no round {round_id}.")
    if not supervisor and row["crew_id"] != crew_id:
        raise RoundForbidden(f"Round {round_id} is not one of your rounds.")
    return store.round_from_row(row, id_key="id")


def _collection_day(settings: BinsSettings, now: dt.datetime, rnd: Round, day: dt.date) -> None:
    if day > settings.today(now):
        raise RoundRejected("not_due", f"{day_text(day)} has not come yet.")
    cal = working_calendar(day)
    if schedule.collection_on(rnd, day, cal, settings.schedule) is None:
        raise RoundRejected("not_scheduled",
                            f"Round {rnd.id} has no collection on {day_text(day)}.")


def complete_round(uow: Work, settings: BinsSettings, now: dt.datetime, crew_id: str,
                   round_id: str, day: dt.date, completed_at: dt.datetime | None = None,
                   supervisor: bool = False) -> dict[str, Any]:
    repo = uow.store
    rnd = _round(repo, round_id, crew_id, supervisor)
    _collection_day(settings, now, rnd, day)
    if completed_at is None:
        # Marked late, with no time given: record it at the default opening
        # time, which is when residents could report anyway.
        completed_at = now if day == settings.today(now) else dt.datetime.combine(
            day, settings.report.default_open_time, tzinfo=settings.report.tz)
    if completed_at > now + COMPLETION_CLOCK_SKEW:
        raise RoundRejected("completed_in_future", "The round cannot be finished in the future.")
    if settings.today(completed_at) != day:
        raise RoundRejected("completed_on_another_day",
                            f"The time the round was finished must be on {day_text(day)}.")
    row = repo.mark_round_completed(rnd.id, day, crew_id, completed_at)
    created = row is not None
    if created:
        uow.publish("RoundCompleted", {
            "round_id": rnd.id, "crew_id": rnd.crew_id, "service": rnd.service.value,
            "day": day.isoformat(), "completed_at": completed_at.isoformat()},
            occurred_at=now, headers={"round_id": rnd.id})
    else:
        row = repo.round_day(rnd.id, day)
    return {"round_id": rnd.id, "service": rnd.service.value, "day": wire_value(row["day"]),
            "crew_id": row["crew_id"], "completed_at": wire_value(row["completed_at"]),
            "newly_completed": created}


def record_exception(uow: Work, settings: BinsSettings, now: dt.datetime, crew_id: str,
                     round_id: str, uprn: str, day: dt.date, kind: str, note: str | None = None,
                     supervisor: bool = False) -> dict[str, Any]:
    repo = uow.store
    rnd = _round(repo, round_id, crew_id, supervisor)
    if not repo.is_on_round(uprn, rnd.id):
        raise ValidationError({"uprn": [f"That property is not on round {rnd.id}."]})
    _collection_day(settings, now, rnd, day)
    row = repo.record_exception(rnd.id, uprn, day, kind, note, crew_id, now)
    return {"round_id": row["round_id"], "uprn": row["uprn"], "day": wire_value(row["day"]),
            "kind": row["kind"], "note": row["note"], "crew_id": row["crew_id"],
            "recorded_at": wire_value(row["recorded_at"]),
            "reason": f"The crew recorded that {ExceptionKind(kind).resident_text}."}


def list_open_reports(repo: Store, now: dt.datetime, crew_id: str, day: dt.date | None = None,
                      supervisor: bool = False) -> list[dict[str, Any]]:
    rows = repo.open_reports_for_crew(None if supervisor else crew_id, day)
    return [{"id": str(r["id"]), "reference": r["reference"], "uprn": r["uprn"],
             "address": ", ".join(r["address_lines"]), "postcode": r["postcode"],
             "latitude": r["latitude"], "longitude": r["longitude"],
             "service": r["service"], "round_id": r["round_id"],
             "collection_date": wire_value(r["collection_date"]),
             "filed_at": wire_value(r["filed_at"]),
             "due_by": wire_value(r["due_by"]), "overdue": r["due_by"] < now,
             "assisted": r["assisted"]} for r in rows]


def resolve_report(uow: Work, settings: BinsSettings, now: dt.datetime, crew_id: str,
                   report_id: uuid.UUID, outcome: str, reason: str | None = None,
                   supervisor: bool = False) -> dict[str, Any]:
    repo = uow.store
    row = repo.report_by_id(report_id, lock=True)
    if row is None:
        raise ReportNotFound("There is no such report.")
    rnd = _round(repo, row["round_id"], crew_id, supervisor)
    if row["status"] != "open":
        return report_view(row, settings)  # already resolved: a retry changes nothing
    repo.close_report(row["id"], outcome, reason, now)
    uow.publish("ReportResolved", {
        "report_id": str(row["id"]), "reference": row["reference"], "round_id": rnd.id,
        "crew_id": rnd.crew_id, "outcome": outcome, "reason": reason,
        "resolved_at": now.isoformat()}, occurred_at=now, headers={"round_id": rnd.id})
    return report_view(repo.report_by_id(row["id"]), settings)


def announce_overdue(uow: Work, now: dt.datetime) -> int:
    """Marks and announces every open report past its deadline; returns how many."""
    rows = uow.store.claim_overdue(now)
    for r in rows:
        uow.publish("ReportOverdue", {
            "report_id": str(r["id"]), "reference": r["reference"], "round_id": r["round_id"],
            "crew_id": r["crew_id"], "due_by": r["due_by"].isoformat()},
            occurred_at=now, headers={"round_id": r["round_id"]})
    return len(rows)


# -- Open311 -------------------------------------------------------------------------------


def open311_services() -> list[dict[str, Any]]:
    return [{"service_code": code, "service_name": f"Missed {service.label.lower()} collection",
             "description": f"Report a {service.label.lower()} collection that the crew "
                            "missed, within two working days of the collection day.",
             "metadata": True, "type": "realtime", "keywords": "bins, waste, missed collection",
             "group": "Bins",
             "attributes": [{"variable": True, "code": "uprn", "datatype": "string",
                             "required": True, "datatype_description":
                                 "The property's UPRN, up to 12 digits",
                             "order": 1, "description": "Property reference (UPRN)"},
                            {"variable": True, "code": "collection_date",
                             "datatype": "string", "required": False,
                             "datatype_description": "YYYY-MM-DD; the last collection if "
                                                     "left out",
                             "order": 2, "description": "The day the bin was missed"}]}
            for code, service in OPEN311_CODES.items()]


def _status_notes(row: Row, now: dt.datetime, tz: dt.tzinfo) -> str:
    if row["status"] == "open":
        if row["due_by"] < now:
            return "The return visit is late; the crew have been reminded."
        due = (row["due_by"] - dt.timedelta(seconds=1)).astimezone(tz).date()
        return f"A crew will return by the end of {day_text(due)}."
    if row["outcome"] == "collected":
        return "The crew returned and collected the bin."
    return f"The crew returned but could not collect the bin: {row['outcome_reason']}"


def open311_request(row: Row, now: dt.datetime, tz: dt.tzinfo) -> dict[str, Any]:
    service = Service(row["service"])
    return {"service_request_id": row["reference"], "status": row["status"],
            "status_notes": _status_notes(row, now, tz),
            "service_name": f"Missed {service.label.lower()} collection",
            "service_code": f"missed-{service.value}",
            "description": f"{service.label} collection of "
                           f"{day_text(row['collection_date'])} reported missed.",
            "requested_datetime": wire_value(row["filed_at"]),
            "updated_datetime": wire_value(row["resolved_at"] or row["filed_at"]),
            "expected_datetime": wire_value(row["due_by"]), "address": address_text(row),
            "address_id": row["uprn"], "zipcode": row["postcode"], "lat": row["latitude"],
            "long": row["longitude"], "media_url": None}


def open311_requests(repo: Store, settings: BinsSettings, now: dt.datetime,
                     service_request_id: Sequence[str] | None = None,
                     service_code: Sequence[str] | None = None,
                     start_date: dt.datetime | None = None, end_date: dt.datetime | None = None,
                     status: str | None = None) -> list[dict[str, Any]]:
    tz = settings.report.tz
    if service_request_id:  # Open311: given ids, the other filters are ignored
        rows = repo.search_reports(references=service_request_id,
                                   limit=OPEN311_MAX_RESULTS)
        return [open311_request(r, now, tz) for r in rows]
    services = None
    if service_code:
        unknown = [c for c in service_code if c not in OPEN311_CODES]
        if unknown:
            raise ValidationError({"service_code": [
                "Unknown service_code: " + ", ".join(unknown) + ". Use one of "
                + ", ".join(OPEN311_CODES) + "."]})
        services = [OPEN311_CODES[c].value for c in service_code]
    span = dt.timedelta(days=OPEN311_MAX_DAYS)
    if start_date is None:
        if end_date is None:
            end_date = now
        start_date = end_date - span
    elif end_date is None:
        end_date = start_date + span
    if end_date - start_date > span:
        raise ValidationError({"start_date": [
            f"Ask for at most {OPEN311_MAX_DAYS} days at once"]})
    statuses = [s.strip() for s in (status or "").split(",") if s.strip()]
    rows = repo.search_reports(
        services=services, start=start_date, end=end_date,
        status=statuses[0] if len(set(statuses)) == 1 else None, limit=OPEN311_MAX_RESULTS)
    return [open311_request(r, now, tz) for r in rows]


def report_public(repo: Store, settings: BinsSettings, now: dt.datetime,
                  report_id: str) -> dict[str, Any]:
    row = None
    reference = references.normalise(report_id)
    if reference and references.is_valid(reference):
        row = repo.report_by_reference(reference)
    else:
        try:
            row = repo.report_by_id(uuid.UUID(str(report_id)))
        except ValueError:
            row = None
    if row is None:
        raise ReportNotFound("There is no request with that id.")
    return open311_request(row, now, settings.report.tz)

