"""The booking pages for an appointment already made: find it, see it, add
it to a calendar, change its time or cancel it. The one secret URL is the
one the person is meant to keep: /bookings/manage/<reference>?code=...

A mixin of GatewayService (gateway/service.py), built on the other booking
pages' BookingsPages (gateway/pages/bookings/routes.py).
"""
from urllib.parse import quote, urlencode

from gateway.api.bookings import by_id
from gateway.api.schemas import bookings
from gateway.api.schemas.housing import normalise_code
from gateway.pages.bookings import forms, search, words
from gateway.pages.bookings.routes import CHANGED_FLASH, LOOKUP_LIMIT, MANAGE, BookingsPages
from gateway.web import errors
from gateway.web.http import page
from gateway.web.requests import redirect


class ManageBookingPages(BookingsPages):

    # --- find, see, change or cancel ---

    @page("GET", MANAGE)
    def bookings_manage_start_page(self, request):
        """Change or cancel an appointment"""
        return self.pages.render(request, "bookings_manage_start.html", {})

    @page("POST", MANAGE, form=forms.ManageForm, rate_limit=LOOKUP_LIMIT)
    def bookings_manage_start_submit(self, request):
        """Find an appointment"""
        if request.form_errors:
            return self.pages.render(request, "bookings_manage_start.html", {
                "errors": request.form_errors, "values": request.form}, status=400)
        found = request.validated
        if self._booking_or_none(found["reference"], found["secret"]) is None:
            return self._manage_not_found(request, request.form)
        return redirect(words.manage_path(found["reference"], found["secret"]))

    @page("GET", f"{MANAGE}/<reference>")
    def bookings_manage_page(self, request, reference):
        """Your appointment"""
        booking, code = self._page_booking(request, reference)
        if code is None:
            return booking
        flashed = self.pages.flash.read(request, CHANGED_FLASH)
        banner = flashed.get("message") if isinstance(flashed, dict) and \
            flashed.get("reference") == booking["reference"] else None
        response = self.pages.render(request, "bookings_manage.html", {
            **self._booking_context(booking), "banner": banner,
            "manage_url": words.manage_path(booking["reference"], code),
            "calendar_url": words.calendar_path(booking["reference"], code),
            "reschedule_url": self._action_path(booking["reference"], code, "reschedule"),
            "cancel_url": self._action_path(booking["reference"], code, "cancel")})
        return self.pages.flash.clear(response, request, CHANGED_FLASH,
                                      self._manage_base(booking["reference"]))

    @page("GET", f"{MANAGE}/<reference>/calendar.ics")
    def bookings_manage_calendar(self, request, reference):
        """Add to your calendar"""
        booking, code = self._page_booking(request, reference)
        if code is None:
            return booking
        response = self._calendar_response(booking["reference"], code)
        response.headers["Content-Disposition"] = response.headers[
            "Content-Disposition"].replace("inline", "attachment")
        return response

    @page("GET", f"{MANAGE}/<reference>/reschedule")
    def bookings_reschedule_page(self, request, reference):
        """Change the time of your appointment"""
        booking, code = self._page_booking(request, reference)
        if code is None:
            return booking
        return self._reschedule_page(request, booking, code, request.args)

    @page("POST", f"{MANAGE}/<reference>/reschedule", form=forms.HoldForm)
    def bookings_reschedule_submit(self, request, reference):
        """Move your appointment"""
        booking, code = self._page_booking(request, reference)
        if code is None:
            return booking
        if request.form_errors:
            return self._reschedule_page(request, booking, code, request.form,
                                         errors=request.form_errors, status=400)
        chosen = request.validated
        try:
            self.rpc.call("bookings", "reschedule", booking["reference"], chosen["office_id"],
                          chosen["start"], secret=code)
        except errors.Conflict as exc:
            return self._reschedule_page(request, booking, code, request.form,
                                         errors={"slot": [exc.message]},
                                         alternatives=exc.extra.get("alternatives") or [],
                                         status=409)
        except (errors.Unprocessable, errors.NotFound) as exc:
            return self._reschedule_page(request, booking, code, request.form,
                                         errors={"slot": [exc.message]}, status=exc.status)
        return self._changed(booking["reference"], code, "Your appointment has been changed")

    @page("GET", f"{MANAGE}/<reference>/cancel")
    def bookings_cancel_page(self, request, reference):
        """Are you sure you want to cancel your appointment?"""
        booking, code = self._page_booking(request, reference)
        if code is None:
            return booking
        if booking["status"] != "confirmed":
            return redirect(words.manage_path(booking["reference"], code))
        return self._cancel_page(request, booking, code)

    @page("POST", f"{MANAGE}/<reference>/cancel")
    def bookings_cancel_submit(self, request, reference):
        """Cancel your appointment"""
        booking, code = self._page_booking(request, reference)
        if code is None:
            return booking
        try:
            self.rpc.call("bookings", "cancel", booking["reference"], secret=code)
        except errors.Unprocessable as exc:
            return self._cancel_page(request, booking, code, problem=exc.message,
                                     status=exc.status)
        return self._changed(booking["reference"], code, "Your appointment has been cancelled")


    def _booking_or_none(self, reference, secret):
        if not reference or not secret:
            return None
        try:
            return self.rpc.call("bookings", "get_booking", reference, secret)
        except (errors.NotFound, errors.ValidationFailed):
            return None

    def _booking_context(self, booking):
        setup = self._setup()
        return {"booking": booking, "office": by_id(setup["offices"]).get(
            booking["office_id"]) or {"name": booking["office_id"], "address": ""},
            "type": by_id(setup["types"]).get(booking["type_id"]) or {
                "name": booking["type_id"]},
            "words": words.words()}

    def _page_booking(self, request, reference):
        """(booking, its code) from the secret link; else (a response, None)."""
        normalised = bookings.normalise_reference(reference)
        code = normalise_code(request.args.get("code") or request.form.get("code"))
        booking = self._booking_or_none(normalised, code)
        if booking is None:
            return self._manage_not_found(request, {"reference": reference}), None
        return booking, code

    def _manage_not_found(self, request, values):
        return self.pages.render(request, "bookings_manage_start.html", {
            "errors": {"reference": ["No booking matches that reference and code. Check "
                                     "both and try again"]}, "values": values}, status=404)

    @staticmethod
    def _manage_base(reference):
        return f"{MANAGE}/{quote(reference)}"

    def _action_path(self, reference, code, action):
        return f"{self._manage_base(reference)}/{action}?" + urlencode({"code": code})

    def _changed(self, reference, code, message):
        return self.pages.flash.attach(
            redirect(words.manage_path(reference, code)), CHANGED_FLASH,
            {"reference": reference, "message": message}, path=self._manage_base(reference))

    def _reschedule_page(self, request, booking, code, args, errors=None, alternatives=None,
                         status=200):
        setup = self._setup()
        appt_type = by_id(setup["types"]).get(booking["type_id"]) or {
            "id": booking["type_id"], "name": booking["type_id"], "office_ids": []}
        if booking["status"] != "confirmed":
            return redirect(words.manage_path(booking["reference"], code))
        case = None
        if appt_type.get("needs_case"):
            case = self._page_case(request)
            if case is None:
                # the times a case may book need its code again
                return self._case_form(request, self._action_path(
                    booking["reference"], code, "reschedule"))
        offices = self._offices_for(setup, appt_type)
        filters = {"type": appt_type["id"], "office": args.get("office") or "any",
                   "step_free": "yes" if booking.get("step_free") else "no",
                   "when": args.get("when") or "first"}
        for name, value in args.items():
            if name.startswith(("from-", "to-")):
                filters[name] = value
        choices, problems = search.search_choices(filters, [o["id"] for o in offices])
        found, problem = [], None
        if alternatives is not None:
            found = alternatives
        elif not problems:
            office_id = None if choices["office"] == "any" else choices["office"]
            found, problem, _ = self._find_slots(appt_type, case, choices, office_id,
                                                 bool(booking.get("step_free")))
        # the time the person has now is not a choice
        found = [s for s in found if not (s["start"] == booking["start"]
                                          and s["office_id"] == booking["office_id"])]
        shown = bookings.FIRST_AVAILABLE_SHOWN \
            if choices["when"] == "first" and alternatives is None else None
        return self.pages.render(request, "bookings_reschedule.html", {
            **self._booking_context(booking), "case": case, "choices": choices,
            "offices_list": offices,
            "errors": {**(problems or {}), **(errors or {})} or None, "problem": problem,
            "alternatives": alternatives is not None,
            "days": words.group_by_day(found, shown),
            "offices": by_id(setup["offices"]), "code": code,
            "action": self._manage_base(booking["reference"]) + "/reschedule",
            "manage_url": words.manage_path(booking["reference"], code)}, status=status)

    def _cancel_page(self, request, booking, code, problem=None, status=200):
        return self.pages.render(request, "bookings_cancel.html", {
            **self._booking_context(booking), "code": code, "problem": problem,
            "errors": {"cancel": [problem]} if problem else None,
            "action": self._manage_base(booking["reference"]) + "/cancel",
            "manage_url": words.manage_path(booking["reference"], code)}, status=status)
