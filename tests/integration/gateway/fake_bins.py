"""A stand-in for the bins service that keeps the RPC contract of
docs/bins.md in memory, so the gateway's bins routes can be tested without
a database. It records every call for the tests to inspect."""
import datetime as dt
import itertools
import json
import secrets

from marshmallow import ValidationError
from nameko.rpc import rpc

POSTCODE = "SW1A 1AA"
UPRN = "100000000001"
OTHER_UPRN = "100000000002"
ROUND = "R-REF-MON"
CREW = "crew-7"
LAST_MONDAY = "2026-11-23"
STILL_WORKING = "The crew are still working in your area today. You can report a " \
                "missed collection from 5pm, or as soon as they finish."


class PropertyNotFound(Exception):
    pass


class ReportNotFound(Exception):
    pass


class RoundForbidden(Exception):
    pass


class ReportRejected(Exception):
    pass


class BinsState:
    def __init__(self):
        self.calls = []
        self.reports = {}
        self.by_key = {}
        self._ids = itertools.count(1)
        self._refs = itertools.count(0)

    def reset(self):
        self.calls.clear()
        self.reports.clear()
        self.by_key.clear()

    def last(self, method):
        return [c for c in self.calls if c["method"] == method][-1]

    def new_reference(self):
        n = next(self._refs)
        body = "".join("23456789ABCDEFGHJKMNPQRSTUVWXYZ"[(n // 31 ** i) % 31] for i in range(4))
        return f"MB-{body}-{n % 90 + 10:02d}"


ADDRESSES = {
    UPRN: ("1 Test Street, London, SW1A 1AA", ["1 Test Street", "London", POSTCODE]),
    OTHER_UPRN: ("2 Test Street, London, SW1A 1AA", ["2 Test Street", "London", POSTCODE]),
}


def _view(report):
    return {k: report[k] for k in (
        "id", "reference", "service", "collection_date", "status", "outcome",
        "outcome_reason", "due_by", "filed_at", "resolved_at", "address")}


def make_fake_bins(state):

    class FakeBins:
        name = "bins"

        def _log(self, method, **kwargs):
            state.calls.append({"method": method, **kwargs})

        @rpc
        def health(self):
            return {"service": "bins", "status": "ok", "checks": {"database": "ok"}}

        @rpc
        def echo(self, message):
            return {"message": message, "service": "bins"}

        @rpc
        def find_addresses(self, postcode):
            self._log("find_addresses", postcode=postcode)
            found = [] if postcode != POSTCODE else [
                {"uprn": uprn, "address": text, "lines": lines}
                for uprn, (text, lines) in ADDRESSES.items()]
            return {"postcode": postcode, "addresses": found}

        @rpc
        def bin_days(self, uprn, today=None):
            self._log("bin_days", uprn=uprn)
            if uprn not in ADDRESSES:
                raise PropertyNotFound("There is no property with that UPRN")
            return {"uprn": uprn, "address": ADDRESSES[uprn][0], "postcode": POSTCODE,
                    "services": [
                        {"service": "refuse", "name": "Rubbish", "round_id": ROUND,
                         "frequency": "weekly", "assisted": False,
                         "last": {"date": LAST_MONDAY, "scheduled_for": LAST_MONDAY,
                                  "moved": False, "status": "completed",
                                  "exception": None},
                         "next": [{"date": "2026-11-30", "scheduled_for": "2026-11-30",
                                   "moved": False},
                                  {"date": "2026-12-08", "scheduled_for": "2026-12-07",
                                   "moved": True}],
                         "report": {"allowed": True, "code": None, "reason": None,
                                    "collection_date": LAST_MONDAY}},
                        {"service": "recycling", "name": "Recycling",
                         "round_id": "R-REC", "frequency": "fortnightly",
                         "assisted": False,
                         "last": {"date": "2026-11-24", "scheduled_for": "2026-11-24",
                                  "moved": False, "status": "exception",
                                  "exception": {"kind": "bin_not_out", "reason":
                                                "The crew recorded that your bin was "
                                                "not out for collection."}},
                         "next": [], "report": {"allowed": False,
                                                "code": "crew_exception_bin_not_out",
                                                "reason": "Not out.",
                                                "collection_date": "2026-11-24"}},
                        {"service": "garden", "name": "Garden waste", "round_id": "R-GDN",
                         "frequency": "fortnightly", "assisted": True,
                         "last": {"date": "2026-11-27", "scheduled_for": "2026-11-27",
                                  "moved": False, "status": "still_out",
                                  "exception": None},
                         "next": [], "report": {"allowed": False,
                                                "code": "crew_still_working",
                                                "reason": STILL_WORKING,
                                                "collection_date": "2026-11-27"}},
                    ]}

        @rpc
        def calendar(self, uprn, weeks=52):
            self._log("calendar", uprn=uprn, weeks=weeks)
            if uprn not in ADDRESSES:
                raise PropertyNotFound("There is no property with that UPRN")
            ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Townhall//Bins//EN\r\n"
                   "BEGIN:VEVENT\r\nUID:test@townhall\r\nDTSTAMP:20261123T000000Z\r\n"
                   "DTSTART;VALUE=DATE:20261130\r\nSUMMARY:Rubbish\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n")
            return {"filename": f"bin-days-{uprn}.ics", "ics": ics}

        @rpc
        def file_report(self, uprn, service, collection_date=None, idempotency_key=None,
                        channel="api", email=None, phone=None, preferred=None):
            self._log("file_report", uprn=uprn, service=service,
                      collection_date=collection_date, idempotency_key=idempotency_key,
                      channel=channel, email=email, phone=phone, preferred=preferred)
            if idempotency_key and idempotency_key in state.by_key:
                # as the real service: the same submission again gets the
                # earlier report and, being the same submitter, its secret
                earlier = state.by_key[idempotency_key]
                return {"created": False, "report": earlier["report"],
                        "secret": earlier["secret"]}
            if uprn not in ADDRESSES:
                raise PropertyNotFound("There is no property with that UPRN")
            if service == "garden":
                raise ReportRejected(json.dumps({"code": "crew_still_working",
                                                 "reason": STILL_WORKING}))
            if service == "food":
                raise ReportRejected(json.dumps({
                    "code": "service_not_provided",
                    "reason": "Your property does not have a food waste collection."}))
            day = collection_date or LAST_MONDAY
            for report in state.reports.values():
                if (report["uprn"], report["service"], report["collection_date"],
                        report["status"]) == (uprn, service, day, "open"):
                    return {"created": False, "report": _view(report)}
            report_id = f"r-{next(state._ids)}"
            report = {"id": report_id, "reference": state.new_reference(),
                      "service": service, "collection_date": day, "status": "open",
                      "outcome": None, "outcome_reason": None,
                      "due_by": "2026-11-26T00:00:00+00:00",
                      "filed_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                      "resolved_at": None, "address": ADDRESSES[uprn][0],
                      "uprn": uprn, "round_id": ROUND, "crew_id": CREW,
                      "secret": secrets.token_urlsafe(16), "channel": channel}
            state.reports[report_id] = report
            answer = {"created": True, "report": _view(report), "secret": report["secret"]}
            if idempotency_key:
                state.by_key[idempotency_key] = answer
            return answer

        @rpc
        def report_status(self, reference, secret):
            self._log("report_status", reference=reference, secret=secret)
            for report in state.reports.values():
                if report["reference"] == reference and report["secret"] == secret:
                    return _view(report)
            raise ReportNotFound("No report matches that reference and secret")

        @rpc
        def list_open_reports(self, crew_id, day=None, supervisor=False):
            self._log("list_open_reports", crew_id=crew_id, day=day, supervisor=supervisor)
            return [{"id": r["id"], "reference": r["reference"], "uprn": r["uprn"],
                     "address": r["address"], "postcode": POSTCODE, "latitude": 51.5,
                     "longitude": -0.14, "service": r["service"],
                     "round_id": r["round_id"], "collection_date": r["collection_date"],
                     "filed_at": r["filed_at"], "due_by": r["due_by"], "overdue": False,
                     "assisted": False}
                    for r in state.reports.values()
                    if r["status"] == "open" and (supervisor or r["crew_id"] == crew_id)
                    and (day is None or r["collection_date"] == day)]

        @rpc
        def complete_round(self, crew_id, round_id, day, completed_at=None,
                           supervisor=False):
            self._log("complete_round", crew_id=crew_id, round_id=round_id, day=day,
                      completed_at=completed_at, supervisor=supervisor)
            if crew_id != CREW and not supervisor:
                raise RoundForbidden("That round is not assigned to your crew")
            return {"round_id": round_id, "day": day, "crew_id": crew_id,
                    "completed_at": completed_at or "2026-11-23T14:05:00+00:00",
                    "service": "refuse"}

        @rpc
        def record_exception(self, crew_id, round_id, uprn, day, kind, note=None,
                             supervisor=False):
            self._log("record_exception", crew_id=crew_id, round_id=round_id, uprn=uprn,
                      day=day, kind=kind, note=note, supervisor=supervisor)
            return {"round_id": round_id, "uprn": uprn, "day": day,
                    "kind": kind, "note": note, "crew_id": crew_id,
                    "recorded_at": "2026-11-23T11:00:00+00:00"}

        @rpc
        def resolve_report(self, crew_id, report_id, outcome, reason=None,
                           supervisor=False):
            self._log("resolve_report", crew_id=crew_id, report_id=report_id,
                      outcome=outcome, reason=reason, supervisor=supervisor)
            report = state.reports.get(report_id)
            if report is None:
                raise ReportNotFound("There is no report with that id")
            if report["crew_id"] != crew_id and not supervisor:
                raise RoundForbidden("That report is not on your rounds")
            report.update(status="closed", outcome=outcome, outcome_reason=reason,
                          resolved_at="2026-11-24T10:00:00+00:00")
            return _view(report)

        @rpc
        def open311_services(self):
            self._log("open311_services")
            return [{"service_code": f"missed-{code}",
                     "service_name": f"Missed {code} collection",
                     "description": "A bin that was not emptied on collection day",
                     "metadata": True, "type": "realtime",
                     "keywords": "bins, waste", "group": "Bins",
                     "attributes": [{"code": "uprn"}]}
                    for code in ("refuse", "recycling", "garden", "food")]

        @rpc
        def open311_requests(self, filters=None):
            self._log("open311_requests", filters=filters)
            start, end = (filters or {}).get("start_date"), (filters or {}).get("end_date")
            if start and end and (dt.datetime.fromisoformat(end)
                                  - dt.datetime.fromisoformat(start)) > dt.timedelta(days=90):
                raise ValidationError({"start_date": ["Ask for at most 90 days at once"]})
            ids = (filters or {}).get("service_request_id")
            return [_open311(r) for r in reversed(list(state.reports.values()))
                    if not ids or r["reference"] in ids]

        @rpc
        def get_report_public(self, report_id):
            self._log("get_report_public", report_id=report_id)
            for r in state.reports.values():
                if r["reference"] == report_id:
                    return _open311(r)
            raise ReportNotFound("There is no request with that id.")

    return FakeBins


def _open311(r):
    closed = r["status"] != "open"
    return {
        "service_request_id": r["reference"],
        "status": "closed" if closed else "open",
        "status_notes": r["outcome_reason"] or (
            "Collected" if r["outcome"] == "collected" else ""),
        "service_name": f"Missed {r['service']} collection",
        "service_code": f"missed-{r['service']}",
        "description": f"Missed {r['service']} collection",
        "requested_datetime": r["filed_at"],
        "updated_datetime": r["resolved_at"] or r["filed_at"],
        "expected_datetime": r["due_by"], "address": r["address"],
        "address_id": r["uprn"], "zipcode": POSTCODE, "lat": None,
        "long": None}
