"""The bins JSON API: residents' addresses, bin days, calendars and reports,
and the crews' rounds and reports.

A mixin of GatewayService (gateway/service.py), which supplies `rpc` and
`settings`. Every route makes one RPC to the bins service.
"""
from urllib.parse import quote

from werkzeug.wrappers import Response

from gateway.api.schemas import bins
from gateway.auth.roles import CREW, SUPERVISOR
from gateway.web import errors
from gateway.web.http import api
from gateway.web.requests import resident_secret

CREW_ROLES = frozenset({CREW, SUPERVISOR})
CALENDAR_MAX_AGE = 3600


def crew_args(principal):
    """Whose rounds a crew request acts on: always the token's subject, never
    a value the caller sends, so one crew cannot act as another. A
    supervisor acts on any round."""
    return {"crew_id": principal.sub, "supervisor": SUPERVISOR in principal.roles}


def not_found_report():
    return errors.NotFound(
        "No report matches that reference and tracking code. Check both and "
        "try again", code="report_not_found")


def calendar_path(uprn):
    return f"/api/v1/bins/properties/{uprn}/calendar.ics"


class BinsApi:

    # --- JSON API: residents ---

    @api("GET", "/api/v1/bins/addresses", query=bins.AddressQuerySchema,
         response=bins.AddressListSchema, tags=["bins"], errors=[503])
    def bins_addresses(self, request):
        """Addresses at a postcode

        Any case and spacing; the answer names each property's UPRN."""
        return self.rpc.call("bins", "find_addresses", request.query["postcode"])

    @api("GET", "/api/v1/bins/properties/<uprn>", response=bins.BinDaysSchema,
         tags=["bins"], errors=[404, 503])
    def bins_days(self, request, uprn):
        """Bin days for a property

        The next collections of each service, the last one and what the crew
        recorded, and whether a missed collection can be reported now."""
        check_uprn(uprn)
        answer = self.rpc.call("bins", "bin_days", uprn)
        return {**answer, "calendar_url": request.url_root.rstrip("/") + calendar_path(uprn)}

    @api("GET", "/api/v1/bins/properties/<uprn>/calendar.ics",
         query=bins.CalendarQuerySchema, media_type="text/calendar", tags=["bins"],
         errors=[404, 503])
    def bins_calendar(self, request, uprn):
        """Bin days as a calendar feed

        iCalendar (RFC 5545), one event per collection: a phone or calendar
        program can subscribe to this address. No sign-in needed."""
        check_uprn(uprn)
        answer = self.rpc.call("bins", "calendar", uprn, weeks=request.query["weeks"])
        filename = str(answer.get("filename") or f"bin-days-{uprn}.ics")
        filename = "".join(c for c in filename if c.isalnum() or c in "-_.") or "bins.ics"
        response = Response(answer["ics"], content_type="text/calendar; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        # calendars poll; a short public cache spares the bins service
        response.headers["Cache-Control"] = f"public, max-age={CALENDAR_MAX_AGE}"
        return response

    @api("POST", "/api/v1/bins/reports", body=bins.FileReportSchema,
         response=bins.FiledReportSchema, status=201, tags=["bins"],
         also=((200, "Already reported: the open report, without its secret"),),
         errors=[404, 422, 503])
    def bins_file_report(self, request):
        """Report a missed bin collection

        201 with the reference and a secret for a new report: keep the
        secret, it is needed to see the report. 200 with the open report
        when this collection was already reported (no secret). 422 when a
        rule says no: `error.code` is the rule (crew_still_working,
        report_window_closed, crew_exception_bin_not_out, ...) and
        `error.message` the reason, in words to show the resident. Send an
        Idempotency-Key so a retry never files twice.

        Optionally, how the resident wants to be told what happens: `email`,
        `phone` (a UK mobile number) and `preferred` (`email` or `sms`). A
        bad address, or a `preferred` channel without its address, is a 400
        naming the field. The answer never repeats them."""
        body = request.validated
        collection_date = body["collection_date"]
        email, phone = body.get("email"), body.get("phone")
        answer = self.rpc.call(
            "bins", "file_report", body["uprn"], body["service"],
            collection_date=collection_date.isoformat() if collection_date else None,
            idempotency_key=request.idempotency_key, channel="api",
            email=email, phone=phone,
            preferred=body.get("preferred"))
        reference = answer["report"]["reference"]
        payload = {**answer, "status_url": f"/api/v1/bins/reports/{quote(reference)}"}
        if not answer.get("created"):
            payload.pop("secret", None)
            return 200, payload
        return 201, {"Location": payload["status_url"]}, payload

    @api("GET", "/api/v1/bins/reports/<reference>", response=bins.ReportStatusSchema,
         tags=["bins"], errors=[404, 503])
    def bins_report_status(self, request, reference):
        """A missed-bin report's progress

        Send the secret given when it was filed, in the X-Resident-Secret
        header (or ?secret=). An unknown reference and a wrong secret both
        give 404."""
        normalised = bins.normalise_reference(reference)
        secret = resident_secret(request)
        if normalised is None or secret is None:
            raise not_found_report()
        try:
            return self.rpc.call("bins", "report_status", normalised, secret)
        except (errors.NotFound, errors.ValidationFailed):
            # a reference that fails its check digits is simply not found
            raise not_found_report()

    # --- JSON API: crews ---

    @api("POST", "/api/v1/bins/crew/rounds/<round_id>/complete", roles=CREW_ROLES,
         body=bins.CompleteRoundSchema, response=bins.RoundDaySchema,
         tags=["bins: crews"], errors=[404, 503])
    def bins_complete_round(self, request, round_id):
        """Mark a round complete for a day

        Residents can report a missed bin from then on. The crew is the
        token's subject; marking the same round and day again changes
        nothing."""
        body = request.validated
        completed_at = body["completed_at"]
        return self.rpc.call(
            "bins", "complete_round", round_id=round_id, day=body["day"].isoformat(),
            completed_at=completed_at.isoformat() if completed_at else None,
            **crew_args(request.principal))

    @api("POST", "/api/v1/bins/crew/rounds/<round_id>/exceptions", roles=CREW_ROLES,
         body=bins.RecordExceptionSchema, response=bins.CrewExceptionSchema,
         status=201, tags=["bins: crews"], errors=[404, 503])
    def bins_record_exception(self, request, round_id):
        """Record why one property's bin was not emptied

        bin_not_out, contaminated, no_access or excess_waste. A resident
        then cannot report that collection as missed, and is told why."""
        body = request.validated
        return self.rpc.call(
            "bins", "record_exception", round_id=round_id, uprn=body["uprn"],
            day=body["day"].isoformat(), kind=body["kind"], note=body["note"],
            **crew_args(request.principal))

    @api("GET", "/api/v1/bins/crew/reports", roles=CREW_ROLES,
         query=bins.CrewReportsQuerySchema, response=bins.CrewReportListSchema,
         tags=["bins: crews"], errors=[503])
    def bins_crew_reports(self, request):
        """Open missed-bin reports on your rounds

        Optionally for one collection day."""
        day = request.query["day"]
        items = self.rpc.call("bins", "list_open_reports",
                              day=day.isoformat() if day else None,
                              **crew_args(request.principal))
        if isinstance(items, dict):
            items = items.get("items") or items.get("reports") or []
        return {"items": items, "count": len(items)}

    @api("POST", "/api/v1/bins/crew/reports/<report_id>/resolution", roles=CREW_ROLES,
         body=bins.ResolveReportSchema, response=bins.CrewResolvedSchema,
         tags=["bins: crews"], errors=[404, 409, 503])
    def bins_resolve_report(self, request, report_id):
        """Resolve a report after the return visit

        collected, or not_collected with the reason (which the resident
        sees)."""
        body = request.validated
        _check_report_id(report_id)
        return self.rpc.call("bins", "resolve_report", report_id=report_id,
                             outcome=body["outcome"], reason=body["reason"],
                             **crew_args(request.principal))


def check_uprn(uprn):
    if not bins.valid_uprn(uprn):
        raise errors.NotFound("There is no property with that UPRN")


def _check_report_id(value):
    # report ids are whatever the bins service issued; only their size is ours
    if not value or len(value) > 64:
        raise errors.NotFound("There is no report with that id")
