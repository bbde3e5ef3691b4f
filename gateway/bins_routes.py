"""The missed-bins journey over HTTP: JSON API, Open311 and resident pages.

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`. Every route makes one RPC to the bins service,
except the confirmation and tracking pages, which read the report back.
"""
import hashlib
import secrets
import time
from urllib.parse import quote, urlencode

from marshmallow import ValidationError
from werkzeug.wrappers import Response

from gateway import bins, open311
from gateway.web import errors
from gateway.auth.roles import API_CLIENT, CREW, SUPERVISOR
from gateway.web.http import api, page, redirect, register_error_renderer, resident_secret

CREW_ROLES = frozenset({CREW, SUPERVISOR})
CALENDAR_MAX_AGE = 3600
SERVICE_CODES_TTL = 300


def crew_args(principal):
    """Whose rounds a crew request acts on: always the token's subject, never
    a value the caller sends, so one crew cannot act as another. A
    supervisor acts on any round."""
    return {"crew_id": principal.sub, "supervisor": SUPERVISOR in principal.roles}


def not_found_report():
    return errors.NotFound(
        "No report matches that reference and tracking code. Check both and "
        "try again", code="report_not_found")


def open311_error_response(request, exc):
    """The gateway's errors (auth, limits, bad routes) in Open311's format."""
    values = getattr(request, "path_values", None) or {}
    fmt = values.get("fmt") or open311.format_from_path(request.path)
    descriptions = [exc.message]
    for name, messages in (exc.fields or {}).items():
        descriptions.extend(f"{name}: {m}" for m in messages)
    error = open311.Open311Error(open311.status_for(exc.status), *descriptions)
    return open311_response(fmt, *open311.render_errors(fmt, error), status=error.status)


def open311_response(fmt, body, content_type, status=200):
    return Response(body, status=status, content_type=content_type)


register_error_renderer("/open311/", open311_error_response)

_OPEN311 = dict(in_docs=False, error_renderer=open311_error_response)
_FMT = "<any(json, xml):fmt>"


class _ServiceCodes:
    """Open311 service codes, kept for a few minutes so that filing a request
    makes one RPC, not two."""

    def __init__(self):
        self.codes = frozenset()
        self.fetched_at = 0.0

    def get(self, fetch):
        if not self.codes or time.monotonic() - self.fetched_at > SERVICE_CODES_TTL:
            self.codes = frozenset(s["service_code"] for s in open311.services(fetch())
                                   if s.get("service_code"))
            self.fetched_at = time.monotonic()
        return self.codes


SERVICE_CODES = _ServiceCodes()


def _calendar_path(uprn):
    return f"/api/v1/bins/properties/{uprn}/calendar.ics"


def _status_path(reference, secret=None):
    path = f"/bins/track/{quote(reference)}"
    return f"{path}?{urlencode({'secret': secret})}" if secret else path


def _web_idempotency_key(request, uprn, service):
    """A double-clicked form sends the same submission id twice: the same
    key, so the second click gets the first report back, with its secret."""
    submission = request.validated.get("submission") or secrets.token_hex(16)
    return hashlib.sha256(f"web\n{submission}\n{uprn}\n{service}".encode()).hexdigest()


class BinsRoutes:

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
        _check_uprn(uprn)
        answer = self.rpc.call("bins", "bin_days", uprn)
        return {**answer, "calendar_url": request.url_root.rstrip("/") + _calendar_path(uprn)}

    @api("GET", "/api/v1/bins/properties/<uprn>/calendar.ics",
         query=bins.CalendarQuerySchema, media_type="text/calendar", tags=["bins"],
         errors=[404, 503])
    def bins_calendar(self, request, uprn):
        """Bin days as a calendar feed

        iCalendar (RFC 5545), one event per collection: a phone or calendar
        program can subscribe to this address. No sign-in needed."""
        _check_uprn(uprn)
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
            preferred=bins.default_channel(email, phone, body.get("preferred")))
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

    # --- Open311 GeoReport v2 ---

    @api("GET", f"/open311/v2/services.{_FMT}", **_OPEN311)
    def open311_services(self, request, fmt):
        """Open311: the service list"""
        items = open311.services(self.rpc.call("bins", "open311_services"))
        return open311_response(fmt, *open311.render(fmt, "services", "service", items))

    @api("GET", f"/open311/v2/services/<code>.{_FMT}", **_OPEN311)
    def open311_service_definition(self, request, code, fmt):
        """Open311: one service's attributes"""
        for service in open311.services(self.rpc.call("bins", "open311_services")):
            if service["service_code"] == code:
                return open311_response(
                    fmt, *open311.render_definition(fmt, open311.definition(service)))
        raise errors.NotFound(f"There is no service with code {code}")

    @api("POST", f"/open311/v2/requests.{_FMT}", roles={API_CLIENT},
         api_key_field="api_key", **_OPEN311)
    def open311_new_request(self, request, fmt):
        """Open311: report a missed bin"""
        try:
            codes = SERVICE_CODES.get(lambda: self.rpc.call("bins", "open311_services"))
            args = open311.parse_new_request(request.form, codes)
        except open311.Open311Error as exc:
            return open311_response(fmt, *open311.render_errors(fmt, exc), status=exc.status)
        answer = self.rpc.call("bins", "file_report", args["uprn"], args["service"],
                               collection_date=args["collection_date"],
                               idempotency_key=request.idempotency_key,
                               channel="open311", email=args.get("email"),
                               phone=args.get("phone"),
                               preferred=bins.default_channel(args.get("email"),
                                                              args.get("phone")))
        notice = "" if answer.get("created") else \
            "This collection was already reported: this is the open request."
        item = {"service_request_id": answer["report"]["reference"],
                "service_notice": notice, "account_id": None}
        return open311_response(fmt, *open311.render(fmt, "service_requests", "request",
                                                     [item]))

    @api("GET", f"/open311/v2/requests.{_FMT}", roles={API_CLIENT},
         api_key_field="api_key", **_OPEN311)
    def open311_requests(self, request, fmt):
        """Open311: missed-bin reports, newest first"""
        try:
            filters = open311.parse_filters(request.args)
        except open311.Open311Error as exc:
            return open311_response(fmt, *open311.render_errors(fmt, exc), status=exc.status)
        items = open311.requests(self.rpc.call("bins", "open311_requests", filters))
        return open311_response(fmt, *open311.render(fmt, "service_requests", "request",
                                                     items))

    @api("GET", f"/open311/v2/requests/<request_id>.{_FMT}", roles={API_CLIENT},
         api_key_field="api_key", **_OPEN311)
    def open311_request(self, request, request_id, fmt):
        """Open311: one missed-bin report"""
        if not request_id or len(request_id) > 64:
            raise errors.NotFound(f"There is no request {request_id}")
        items = open311.requests([self.rpc.call("bins", "get_report_public", request_id)])
        return open311_response(fmt, *open311.render(fmt, "service_requests", "request",
                                                     items))

    # --- resident pages: find your bin days ---

    @page("GET", "/bins")
    def bins_start_page(self, request):
        """Find out your bin collection days"""
        return self._postcode_page(request, "days")

    @page("POST", "/bins", form=bins.PostcodeFormSchema)
    def bins_start_submit(self, request):
        """Postcode for bin days"""
        return self._postcode_submit(request, "days")

    @page("GET", "/bins/address")
    def bins_address_page(self, request):
        """Choose your address (bin days)"""
        return self._address_page(request, "days")

    @page("POST", "/bins/address", form=bins.AddressFormSchema)
    def bins_address_submit(self, request):
        """Address for bin days"""
        return self._address_submit(request, "days")

    @page("GET", "/bins/property/<uprn>")
    def bins_days_page(self, request, uprn):
        """Your bin collection days"""
        _check_uprn(uprn)
        days = self.rpc.call("bins", "bin_days", uprn)
        calendar = _calendar_path(uprn)
        host = request.host_url.split("://", 1)[1].rstrip("/")
        return self.pages.render(request, "bins_days.html", {
            "days": days, "calendar_url": calendar,
            "calendar_absolute": request.url_root.rstrip("/") + calendar,
            "subscribe_url": f"webcal://{host}{calendar}",
            "words": _words()})

    # --- resident pages: report a missed bin ---

    @page("GET", "/bins/missed")
    def missed_start_page(self, request):
        """Report a missed bin collection"""
        return self._postcode_page(request, "missed")

    @page("POST", "/bins/missed", form=bins.PostcodeFormSchema)
    def missed_start_submit(self, request):
        """Postcode for a missed bin"""
        return self._postcode_submit(request, "missed")

    @page("GET", "/bins/missed/address")
    def missed_address_page(self, request):
        """Choose your address (missed bin)"""
        return self._address_page(request, "missed")

    @page("POST", "/bins/missed/address", form=bins.AddressFormSchema)
    def missed_address_submit(self, request):
        """Address for a missed bin"""
        return self._address_submit(request, "missed")

    @page("GET", "/bins/missed/property/<uprn>")
    def missed_service_page(self, request, uprn):
        """Which bin was not collected?"""
        _check_uprn(uprn)
        days = self.rpc.call("bins", "bin_days", uprn)
        return self._service_page(request, days)

    @page("POST", "/bins/missed/property/<uprn>", form=bins.MissedServiceFormSchema)
    def missed_service_submit(self, request, uprn):
        """File the missed-bin report"""
        _check_uprn(uprn)
        values = {k: request.form.get(k, "") for k in ("preferred", "email", "phone")}
        if request.form_errors:
            days = self.rpc.call("bins", "bin_days", uprn)
            return self._service_page(request, days, errors=request.form_errors,
                                      status=400, chosen=request.form.get("service"),
                                      values=values)
        form = request.validated
        service = form["service"]
        try:
            answer = self.rpc.call(
                "bins", "file_report", uprn, service,
                idempotency_key=_web_idempotency_key(request, uprn, service),
                channel="web", email=form["email"], phone=form["phone"],
                preferred=form["preferred"])
        except errors.Unprocessable as exc:
            days = self.rpc.call("bins", "bin_days", uprn)
            return self._service_page(request, days, errors={"service": [exc.message]},
                                      status=422, chosen=service, values=values)
        report = answer["report"]
        # The secret comes back for a new report, and again for this same
        # submission sent twice (a double click), never for someone else's.
        if answer.get("secret"):
            # The tracking code rides in a short-lived cookie, not the URL.
            return self.pages.flash.attach(
                redirect(f"/bins/missed/confirmation/{quote(report['reference'])}"),
                "tracking", {"reference": report["reference"], "secret": answer["secret"]},
                path="/bins/missed/confirmation/")
        return self.pages.render(request, "bins_already_reported.html", {
            "report": report, "words": _words()})

    @page("GET", "/bins/missed/confirmation/<reference>")
    def missed_confirmation_page(self, request, reference):
        """Missed bin reported"""
        flashed = self.pages.flash.read(request, "tracking") or {}
        secret = (flashed.get("secret") if flashed.get("reference") == reference
                  else resident_secret(request))
        report = self._report_or_none(reference, secret)
        if report is None:
            raise not_found_report()
        return self.pages.render(request, "bins_confirmation.html", {
            "report": report, "secret": secret,
            "track_url": _status_path(report["reference"], secret),
            "words": _words()})

    # --- resident pages: track a report ---

    @page("GET", "/bins/track")
    def track_page(self, request):
        """Check a missed bin report"""
        return self.pages.render(request, "bins_track.html", {})

    @page("POST", "/bins/track", form=bins.TrackFormSchema)
    def track_submit(self, request):
        """Look up a missed bin report"""
        if request.form_errors:
            return self.pages.render(request, "bins_track.html", {
                "errors": request.form_errors, "values": request.form}, status=400)
        found = request.validated
        report = self._report_or_none(found["reference"], found["secret"])
        if report is None:
            return self._track_not_found(request, request.form)
        return self.pages.render(request, "bins_report.html", {
            "report": report, "words": _words()})

    @page("GET", "/bins/track/<reference>")
    def track_report_page(self, request, reference):
        """Your missed bin report"""
        secret = resident_secret(request)
        report = self._report_or_none(reference, secret)
        if report is None:
            return self._track_not_found(request, {"reference": reference})
        return self.pages.render(request, "bins_report.html", {
            "report": report, "words": _words()})

    # --- page helpers ---

    def _report_or_none(self, reference, secret):
        normalised = bins.normalise_reference(reference)
        if normalised is None or not secret:
            return None
        try:
            return self.rpc.call("bins", "report_status", normalised, secret)
        except (errors.NotFound, errors.ValidationFailed):
            return None

    def _track_not_found(self, request, values):
        message = ("No report matches that reference and tracking code. Check "
                   "both and try again")
        return self.pages.render(request, "bins_track.html", {
            "errors": {"reference": [message]}, "values": values}, status=404)

    def _postcode_page(self, request, journey, errors=None, values=None, status=200):
        return self.pages.render(request, "bins_postcode.html", {
            "journey": _JOURNEYS[journey], "errors": errors, "values": values or {}},
            status=status)

    def _postcode_submit(self, request, journey):
        if request.form_errors:
            return self._postcode_page(request, journey, errors=request.form_errors,
                                       values=request.form, status=400)
        base = _JOURNEYS[journey]["base"]
        return redirect(f"{base}/address?" + urlencode(
            {"postcode": request.validated["postcode"]}))

    def _address_page(self, request, journey, errors=None, status=200):
        given = request.args.get("postcode") or request.form.get("postcode") or ""
        try:
            postcode = bins.PostcodeFormSchema().load({"postcode": given})["postcode"]
        except ValidationError as exc:
            return self._postcode_page(request, journey, errors=exc.messages,
                                       values={"postcode": given}, status=400)
        found = self.rpc.call("bins", "find_addresses", postcode)
        return self.pages.render(request, "bins_address.html", {
            "journey": _JOURNEYS[journey], "postcode": found.get("postcode") or postcode,
            "addresses": found.get("addresses") or [], "errors": errors}, status=status)

    def _address_submit(self, request, journey):
        if request.form_errors:
            if "postcode" in request.form_errors:
                return self._postcode_page(request, journey, errors={
                    "postcode": request.form_errors["postcode"]}, status=400)
            return self._address_page(request, journey, errors=request.form_errors,
                                      status=400)
        base = _JOURNEYS[journey]["base"]
        return redirect(f"{base}/property/{request.validated['uprn']}")

    def _service_page(self, request, days, errors=None, status=200, chosen=None,
                      values=None):
        return self.pages.render(request, "bins_missed_service.html", {
            "days": days, "errors": errors, "chosen": chosen, "values": values or {},
            "words": _words(), "submission": secrets.token_urlsafe(16)},
            status=status)


_JOURNEYS = {
    "days": {"base": "/bins", "title": "Find out your bin collection days",
             "caption": "Bin collection days"},
    "missed": {"base": "/bins/missed", "title": "Report a missed bin collection",
               "caption": "Report a missed bin"},
}


def _words():
    return {"day": bins.day_text, "time": bins.time_text,
            "service": lambda code: bins.SERVICES.get(code, code or ""),
            "last": bins.last_visit_words, "status": bins.report_status_words}


def _check_uprn(uprn):
    if not bins.valid_uprn(uprn):
        raise errors.NotFound("There is no property with that UPRN")


def _check_report_id(value):
    # report ids are whatever the bins service issued; only their size is ours
    if not value or len(value) > 64:
        raise errors.NotFound("There is no report with that id")
