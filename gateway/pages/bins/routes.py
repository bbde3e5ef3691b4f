"""The bins pages: find your bin days, report a missed bin, track a report.

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`. Every route makes one RPC to the bins service,
except the confirmation and tracking pages, which read the report back.
"""
import hashlib
import secrets
from urllib.parse import quote, urlencode

from marshmallow import ValidationError

from services.bins.contract import SERVICE_NAMES

from gateway.api.bins import calendar_path, check_uprn, not_found_report
from gateway.api.schemas import bins
from gateway.pages.bins import forms, words
from gateway.web import errors
from gateway.web.http import page
from gateway.web.requests import redirect, resident_secret


def _status_path(reference, secret=None):
    path = f"/bins/track/{quote(reference)}"
    return f"{path}?{urlencode({'secret': secret})}" if secret else path


def _web_idempotency_key(request, uprn, service):
    """A double-clicked form sends the same submission id twice: the same
    key, so the second click gets the first report back, with its secret."""
    submission = request.validated.get("submission") or secrets.token_hex(16)
    return hashlib.sha256(f"web\n{submission}\n{uprn}\n{service}".encode()).hexdigest()


class BinsPages:

    # --- find your bin days ---

    @page("GET", "/bins")
    def bins_start_page(self, request):
        """Find out your bin collection days"""
        return self._postcode_page(request, "days")

    @page("POST", "/bins", form=forms.PostcodeFormSchema)
    def bins_start_submit(self, request):
        """Postcode for bin days"""
        return self._postcode_submit(request, "days")

    @page("GET", "/bins/address")
    def bins_address_page(self, request):
        """Choose your address (bin days)"""
        return self._address_page(request, "days")

    @page("POST", "/bins/address", form=forms.AddressFormSchema)
    def bins_address_submit(self, request):
        """Address for bin days"""
        return self._address_submit(request, "days")

    @page("GET", "/bins/property/<uprn>")
    def bins_days_page(self, request, uprn):
        """Your bin collection days"""
        check_uprn(uprn)
        days = self.rpc.call("bins", "bin_days", uprn)
        calendar = calendar_path(uprn)
        host = request.host_url.split("://", 1)[1].rstrip("/")
        return self.pages.render(request, "bins_days.html", {
            "days": days, "calendar_url": calendar,
            "calendar_absolute": request.url_root.rstrip("/") + calendar,
            "subscribe_url": f"webcal://{host}{calendar}",
            "words": _words()})

    # --- report a missed bin ---

    @page("GET", "/bins/missed")
    def missed_start_page(self, request):
        """Report a missed bin collection"""
        return self._postcode_page(request, "missed")

    @page("POST", "/bins/missed", form=forms.PostcodeFormSchema)
    def missed_start_submit(self, request):
        """Postcode for a missed bin"""
        return self._postcode_submit(request, "missed")

    @page("GET", "/bins/missed/address")
    def missed_address_page(self, request):
        """Choose your address (missed bin)"""
        return self._address_page(request, "missed")

    @page("POST", "/bins/missed/address", form=forms.AddressFormSchema)
    def missed_address_submit(self, request):
        """Address for a missed bin"""
        return self._address_submit(request, "missed")

    @page("GET", "/bins/missed/property/<uprn>")
    def missed_service_page(self, request, uprn):
        """Which bin was not collected?"""
        check_uprn(uprn)
        days = self.rpc.call("bins", "bin_days", uprn)
        return self._service_page(request, days)

    @page("POST", "/bins/missed/property/<uprn>", form=forms.MissedServiceFormSchema)
    def missed_service_submit(self, request, uprn):
        """File the missed-bin report"""
        check_uprn(uprn)
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

    # --- track a report ---

    @page("GET", "/bins/track")
    def track_page(self, request):
        """Check a missed bin report"""
        return self.pages.render(request, "bins_track.html", {})

    @page("POST", "/bins/track", form=forms.TrackFormSchema)
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
            postcode = forms.PostcodeFormSchema().load({"postcode": given})["postcode"]
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
    return {"day": words.day_text, "time": words.time_text,
            "service": lambda code: SERVICE_NAMES.get(code, code or ""),
            "last": words.last_visit_words, "status": words.report_status_words}
