"""The booking pages: what the appointment is about, which housing case,
where and when, a time held while the person gives their details, the
confirmation, and the waiting list.

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`. A housing appointment is for a triaged case only:
the person gives the case's reference and code (a form, or the button on
the housing outcome page); the gateway checks them with the housing
service. The case then travels in a signed, HttpOnly cookie scoped to
/bookings, as does the place held while the person gives their details;
neither is ever in a URL. Seeing, changing and cancelling a booking is in
manage.py.
"""
import datetime as dt
import secrets
from urllib.parse import urlencode

from gateway.api.bookings import BookingsCalls, by_id, case_missing_in_bookings
from gateway.api.schemas import bookings
from gateway.api.schemas.housing import normalise_code
from gateway.pages.bookings import cookies, forms, search, words
from gateway.pages.housing import words as housing_words
from gateway.web import errors
from gateway.web.http import page
from gateway.web.requests import redirect
from gateway.web.providers import SignedCookie

BASE = "/bookings"
MANAGE = "/bookings/manage"
CONFIRMATION_PATH = "/bookings/confirmation"
CONFIRMATION_FLASH = "booking"
CHANGED_FLASH = "booking_changed"
# a code or a reference guessed at from one address: a person needs a few tries
LOOKUP_LIMIT = "20/minute"

# the service's field names -> the ids of the details form's fields
DETAILS_FIELDS = {"name": "name", "email": "email", "phone": "phone",
                  "step_free": "step_free", "interpreter": "interpreter-language",
                  "secret": "name", "_schema": "name"}


class BookingsPages(BookingsCalls):
    case_cookie = SignedCookie(cookies.CaseCookie)
    hold_cookie = SignedCookie(cookies.HoldCookie)

    # --- what, which case, where and when ---

    @page("GET", BASE)
    def bookings_start_page(self, request):
        """Book an appointment at a council office"""
        return self._start_page(request)

    @page("POST", BASE, form=forms.StartForm)
    def bookings_start_submit(self, request):
        """Choose what the appointment is about"""
        if request.form_errors:
            return self._start_page(request, request.form_errors, status=400)
        chosen = request.validated["type"]
        if chosen == "housing":
            return redirect(f"{BASE}/housing")
        setup = self._setup()
        if chosen not in by_id(t for t in setup["types"] if not t.get("needs_case")):
            return self._start_page(request, {"type": [
                "Choose what your appointment is about"]}, status=400)
        return redirect(f"{BASE}/where?" + urlencode({"type": chosen}))

    @page("GET", f"{BASE}/housing")
    def bookings_case_page(self, request):
        """Your housing case"""
        return self._case_form(request, forms.safe_next(request.args.get("next")))

    @page("POST", f"{BASE}/housing", form=forms.CaseForm, rate_limit=LOOKUP_LIMIT)
    def bookings_case_submit(self, request):
        """Book for a housing case

        Also where the housing outcome page's "Book an appointment" button
        sends the case's reference and code."""
        if request.form_errors:
            return self._case_form(request, forms.safe_next(request.form.get("next")),
                                   request.form_errors, status=400)
        found = request.validated
        case = self._case_or_none(found["reference"], found["secret"])
        if case is None:
            return self._case_form(request, found["next"], {"reference": [
                "No housing case matches that reference and code. Check both and try "
                "again"]}, status=404)
        refused = self._case_refused(request, case)
        if refused is not None:
            return refused
        # which type a case of this urgency books is the bookings service's rule
        setup = self._setup()
        appt_type = by_id(setup["types"]).get(
            (setup.get("case_types") or {}).get(case["urgency"]) or "")
        if appt_type is None:
            return self._no_appointment(request, case, "no_type")
        target = found["next"] or f"{BASE}/where?" + urlencode({"type": appt_type["id"]})
        return self.case_cookie.attach(redirect(target), request, {
            "reference": found["reference"], "secret": found["secret"]},
            self.settings.cookie_secure)

    @page("GET", f"{BASE}/where")
    def bookings_where_page(self, request):
        """Where and when would you like to come?"""
        setup = self._setup()
        appt_type, case = self._page_type(request, setup, request.args.get("type"))
        if appt_type is None:
            return case
        choices = {"type": appt_type["id"], "office": request.args.get("office") or "any",
                   "step_free": request.args.get("step_free") or "",
                   "when": request.args.get("when") or "first", "dates": {}}
        return self._where_page(request, setup, appt_type, case, choices)

    @page("GET", f"{BASE}/times")
    def bookings_times_page(self, request):
        """Choose a time"""
        setup = self._setup()
        appt_type, case = self._page_type(request, setup, request.args.get("type"))
        if appt_type is None:
            return case
        choices, problems = self._choices(request.args, setup, appt_type)
        if problems:
            return self._where_page(request, setup, appt_type, case, choices,
                                    errors=problems, status=400)
        return self._times_page(request, setup, appt_type, case, choices)

    @page("POST", f"{BASE}/times", form=forms.HoldForm)
    def bookings_times_submit(self, request):
        """Hold the chosen time"""
        setup = self._setup()
        appt_type, case = self._page_type(request, setup, request.form.get("type"))
        if appt_type is None:
            return case
        choices, problems = self._choices(request.form, setup, appt_type)
        if problems:
            return self._where_page(request, setup, appt_type, case, choices,
                                    errors=problems, status=400)
        if request.form_errors:
            return self._times_page(request, setup, appt_type, case, choices,
                                    errors=request.form_errors, status=400)
        chosen = request.validated
        submission = chosen["submission"] or secrets.token_hex(16)
        try:
            held = self.rpc.call(
                "bookings", "hold", chosen["office_id"], appt_type["id"], chosen["start"],
                case_reference=case["reference"] if case else None,
                step_free=choices["step_free"] == "yes", booked_by="resident",
                idempotency_key=words.web_idempotency_key(
                    submission, chosen["office_id"], chosen["start"]))
        except errors.Conflict as exc:
            # someone took the last place meanwhile: the nearest free times instead
            return self._times_page(request, setup, appt_type, case, choices,
                                    errors={"slot": [exc.message]},
                                    alternatives=exc.extra.get("alternatives") or [],
                                    status=409)
        except errors.Unprocessable as exc:
            if exc.code == "advice_only":
                return self._no_appointment(request, case, "advice")
            return self._times_page(request, setup, appt_type, case, choices,
                                    errors={"slot": [exc.message]}, status=422)
        except errors.NotFound as exc:
            return self._times_page(request, setup, appt_type, case, choices,
                                    errors={"slot": [exc.message]}, status=404)
        back = f"{BASE}/times?{search.search_query(choices)}"
        return self.hold_cookie.attach(redirect(f"{BASE}/details"), request, {
            "reference": held["reference"], "secret": held["secret"], "back": back},
            self.settings.cookie_secure)

    @page("POST", f"{BASE}/waitlist", form=forms.WaitlistForm)
    def bookings_waitlist_submit(self, request):
        """Join the waiting list"""
        setup = self._setup()
        appt_type, case = self._page_type(request, setup, request.form.get("type"))
        if appt_type is None:
            return case
        if case is None:
            return redirect(f"{BASE}/where?" + urlencode({"type": appt_type["id"]}))
        office = request.form.get("office") or "any"
        office_id = office if office in by_id(setup["offices"]) else None
        try:
            joined = self.rpc.call(
                "bookings", "join_waitlist", appt_type["id"], case_reference=case["reference"],
                office_id=office_id, step_free=request.form.get("step_free") == "yes")
        except errors.Unprocessable as exc:
            if exc.code == "advice_only":
                return self._no_appointment(request, case, "advice")
            return self.pages.render(request, "bookings_waitlist.html", {
                "problem": exc.message, "type": appt_type, "words": words.words()},
                status=422)
        except errors.NotFound:
            return self.pages.render(request, "bookings_waitlist.html", {
                "problem": "We are still getting your case ready for booking. Wait a "
                           "minute, then try again.", "type": appt_type,
                "words": words.words()}, status=404)
        return self.pages.render(request, "bookings_waitlist.html", {
            "joined": joined, "type": appt_type, "words": words.words(),
            "office": by_id(setup["offices"]).get(office_id)})

    @page("GET", f"{BASE}/offer/<reference>")
    def bookings_offer_page(self, request, reference):
        """Take a place held for you from the waiting list

        The link in the offer message: the held place's reference and code
        go into the hold cookie, and the person carries on as if they had
        chosen the time themselves."""
        code = request.args.get("code")
        booking = self._booking_or_none(reference, code) if code else None
        if booking is None:
            return self.pages.render(request, "error.html", {
                "title": "This link does not work",
                "message": "Check you copied the whole link from your message"}, status=404)
        return self.hold_cookie.attach(redirect(f"{BASE}/details"), request, {
            "reference": booking["reference"], "secret": code, "back": BASE},
            self.settings.cookie_secure)

    # --- details and confirmation ---

    @page("GET", f"{BASE}/details")
    def bookings_details_page(self, request):
        """Your details"""
        hold, booking = self._page_hold(request)
        if booking is None:
            return hold
        return self._details_page(request, hold, booking)

    @page("POST", f"{BASE}/details", form=forms.DetailsForm)
    def bookings_details_submit(self, request):
        """Confirm the appointment"""
        hold, booking = self._page_hold(request)
        if booking is None:
            return hold
        if request.form_errors:
            return self._details_page(request, hold, booking, errors=request.form_errors,
                                      status=400)
        details = request.validated
        setup = self._setup()
        office = by_id(setup["offices"]).get(booking["office_id"]) or {}
        if details["step_free"] and not office.get("step_free", True):
            return self._details_page(request, hold, booking, errors={"step_free": [
                f"{office['name']} does not have step-free access. Go back and choose a time "
                "at an office with step-free access"]}, status=422)
        try:
            confirmed = self.rpc.call(
                "bookings", "confirm", hold["reference"], hold["secret"], details["name"],
                email=details["email"], phone=details["phone"],
                step_free=details["step_free"], interpreter=details["interpreter"])
        except errors.ValidationFailed as exc:
            problems = {}
            for name, messages in (exc.fields or {"_schema": [exc.message]}).items():
                problems.setdefault(DETAILS_FIELDS.get(name, "name"), []).extend(messages)
            return self._details_page(request, hold, booking, errors=problems, status=400)
        except errors.Unprocessable:
            # the 10 minutes ran out while the person typed
            return self._expired_page(request, hold)
        except errors.NotFound:
            return self._clear_hold(redirect(BASE), request)
        response = self.pages.flash.attach(
            redirect(CONFIRMATION_PATH), CONFIRMATION_FLASH,
            {"reference": confirmed["reference"], "secret": hold["secret"]},
            path=CONFIRMATION_PATH)
        return self._clear_hold(response, request)

    @page("GET", CONFIRMATION_PATH)
    def bookings_confirmation_page(self, request):
        """Appointment booked"""
        flashed = self.pages.flash.read(request, CONFIRMATION_FLASH) or {}
        reference = bookings.normalise_reference(flashed.get("reference"))
        secret = normalise_code(flashed.get("secret"))
        booking = self._booking_or_none(reference, secret)
        if booking is None:
            return redirect(MANAGE)
        return self.pages.render(request, "bookings_confirmation.html", {
            **self._booking_context(booking), "secret": secret,
            "manage_url": words.manage_path(reference, secret),
            "calendar_url": words.calendar_path(reference, secret)})


    # --- helpers: the pages ---

    def _clear_hold(self, response, request):
        return self.hold_cookie.clear(response, request, self.settings.cookie_secure)

    def _start_page(self, request, problems=None, status=200):
        setup = self._setup()
        types = [t for t in setup["types"] if not t.get("needs_case")]
        housing_types = any(t.get("needs_case") for t in setup["types"])
        return self.pages.render(request, "bookings_start.html", {
            "types": types, "housing": housing_types, "errors": problems,
            "chosen": request.form.get("type") if problems else None}, status=status)

    def _case_form(self, request, next_path=None, problems=None, status=200):
        """The case reference and code form; `next_path`: a booking's change
        page to go back to (the case is needed again to move it)."""
        return self.pages.render(request, "bookings_case.html", {
            "errors": problems, "values": request.form if problems else {},
            "next": next_path, "reschedule": bool(next_path),
            "back_url": next_path.replace("/reschedule?", "?", 1) if next_path else BASE},
            status=status)

    def _page_case(self, request):
        """The case from the cookie, checked again with housing; else None."""
        value = self.case_cookie.read(request)
        if value is None:
            return None
        case = self._case_or_none(value["reference"], value["secret"])
        return {**case, "reference": value["reference"]} if case else None

    def _case_refused(self, request, case):
        """The page to show instead of times for a case that cannot book."""
        if case.get("status") == "closed":
            return self._no_appointment(request, case, "closed")
        if case.get("urgency") not in bookings.TYPE_URGENCIES:
            return self._no_appointment(request, case, "advice")
        return None

    def _page_type(self, request, setup, type_id):
        """(appointment type, case or None) for a times page; else (None, a
        response: back to the start, or to the case form)."""
        appt_type = by_id(setup["types"]).get(type_id or "")
        if appt_type is None:
            return None, redirect(BASE)
        if not appt_type.get("needs_case"):
            return appt_type, None
        case = self._page_case(request)
        if case is None:
            return None, redirect(f"{BASE}/housing")
        refused = self._case_refused(request, case)
        if refused is not None:
            return None, refused
        return appt_type, case

    def _offices_for(self, setup, appt_type):
        ids = set(appt_type.get("office_ids") or ())
        return [o for o in setup["offices"] if o["id"] in ids]

    def _choices(self, args, setup, appt_type):
        offices = self._offices_for(setup, appt_type)
        choices, problems = search.search_choices(args, [o["id"] for o in offices])
        office = by_id(offices).get(choices["office"])
        if office and choices["step_free"] == "yes" and not office["step_free"] and \
                not (problems or {}).get("office"):
            problems = {**(problems or {}), "office": [
                f"{office['name']} does not have step-free access. Choose another office"]}
        return choices, problems

    def _where_page(self, request, setup, appt_type, case, choices, errors=None, status=200):
        return self.pages.render(request, "bookings_where.html", {
            "type": appt_type, "case": case, "offices": self._offices_for(setup, appt_type),
            "choices": choices, "errors": errors,
            "back_url": f"{BASE}/housing" if case else BASE}, status=status)

    def _find_slots(self, appt_type, case, choices, office_id=None, step_free=False):
        """(slots, problem or None, refused response or None)."""
        try:
            found = self.rpc.call(
                "bookings", "search", appt_type["id"], choices["first_day"].isoformat(),
                choices["last_day"].isoformat(), office_id=office_id, step_free=step_free,
                case_reference=case["reference"] if case else None)
        except errors.NotFound as exc:
            if case and case_missing_in_bookings(exc) is not exc:
                return [], ("We are still getting your case ready for booking. Wait a "
                            "minute, then try again."), None
            return [], exc.message, None
        except errors.Unprocessable as exc:
            return [], exc.message, exc.code
        return found.get("slots") or [], None, None

    def _times_page(self, request, setup, appt_type, case, choices, errors=None,
                    alternatives=None, status=200):
        step_free = choices["step_free"] == "yes"
        office_id = None if choices["office"] == "any" else choices["office"]
        problem = None
        if alternatives is not None:
            found = alternatives
        else:
            found, problem, code = self._find_slots(appt_type, case, choices, office_id,
                                                   step_free)
            if code == "advice_only":
                return self._no_appointment(request, case, "advice")
        shown = bookings.FIRST_AVAILABLE_SHOWN \
            if choices["when"] == "first" and alternatives is None else None
        query = search.search_query(choices)
        # a case with nothing free on the dates chosen may still have times on
        # other days of its window: the waiting list only when it has none
        elsewhere = False
        if case and not found and problem is None and alternatives is None and \
                choices["when"] == "dates":
            first = bookings.today()
            wider = {**choices, "first_day": first, "last_day": first + dt.timedelta(
                days=bookings.FIRST_AVAILABLE_DAYS - 1)}
            elsewhere = bool(self._find_slots(appt_type, case, wider, office_id,
                                              step_free)[0])
        return self.pages.render(request, "bookings_times.html", {
            "type": appt_type, "case": case, "choices": choices, "errors": errors,
            "problem": problem, "alternatives": alternatives is not None,
            "days": words.group_by_day(found, shown),
            "offices": by_id(setup["offices"]), "words": words.words(),
            "action": f"{BASE}/times", "hidden": _hidden_choices(choices),
            "submission": secrets.token_urlsafe(16),
            "all_times_url": f"{BASE}/times?{query}",
            "change_url": f"{BASE}/where?{query}",
            "first_url": f"{BASE}/times?{search.search_query(choices, when='first')}",
            "elsewhere": elsewhere,
            "waitlist": bool(case) and not found and problem is None and not elsewhere
            and alternatives is None},
            status=status)

    def _no_appointment(self, request, case, reason):
        """A case that cannot book: advice instead, closed, or not online."""
        response = self.pages.render(request, "bookings_no_appointment.html", {
            "case": case or {}, "reason": reason, "words": housing_words.words()})
        return self.case_cookie.clear(response, request, self.settings.cookie_secure)

    def _page_hold(self, request):
        """(hold, booking) from the hold cookie; else (a response, None)."""
        hold = self.hold_cookie.read(request)
        if hold is None:
            return redirect(BASE), None
        booking = self._booking_or_none(hold["reference"], hold["secret"])
        if booking is None:
            return self._clear_hold(redirect(BASE), request), None
        if booking["status"] == "confirmed":
            return self._clear_hold(redirect(words.manage_path(
                booking["reference"], hold["secret"])), request), None
        if not booking.get("live_hold"):
            return self._expired_page(request, hold), None
        return hold, booking

    def _expired_page(self, request, hold):
        response = self.pages.render(request, "bookings_expired.html", {
            "back_url": hold["back"]}, status=410)
        return self._clear_hold(response, request)

    def _details_page(self, request, hold, booking, errors=None, status=200):
        values = request.form if errors else {
            "step_free": "yes" if booking.get("step_free") else ""}
        return self.pages.render(request, "bookings_details.html", {
            **self._booking_context(booking), "errors": errors, "values": values,
            "minutes": words.minutes_left(booking.get("hold_expires_at")),
            "until": words.clock_text(booking.get("hold_expires_at")),
            "back_url": hold["back"]}, status=status)


def _hidden_choices(choices):
    """The search's choices as hidden fields, so a failed hold can show the
    same times again."""
    fields = [("type", choices["type"]), ("office", choices["office"]),
              ("step_free", choices["step_free"]), ("when", choices["when"])]
    if choices["when"] == "dates":
        fields += list((choices.get("dates") or {}).items())
    return fields
