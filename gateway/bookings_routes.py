"""Office appointments over HTTP: the JSON API for residents and for staff
acting for them, the supervisors' setup API, and the GOV.UK booking pages.

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`, and, from HousingRoutes, `_case_or_none` (a case's
status for its reference and code, checked with housing). docs/bookings.md
is the guide.

A housing appointment is for a triaged case only. The person gives the
case's reference and code (API: the X-Case-Reference and X-Resident-Secret
headers; pages: a form, or the button on the housing outcome page); the
gateway checks them with the housing service, and only then passes the
reference to bookings, which trusts the gateway for it as it does for staff
ids. On the pages the case then travels in a signed, HttpOnly cookie scoped
to /bookings, as does the place held while the person gives their details;
neither is ever in a URL. The one secret URL is the one the person is meant
to keep: /bookings/manage/<reference>?code=..., to see, change or cancel.

Staff act with their token's subject as `staff_id`: they need no code, the
change cut-off does not apply to them, and a case needs no code either.
"""
import datetime as dt
import secrets
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Response

from gateway import bookings
from gateway.pages.housing import words as housing_words
from gateway.web import errors
from gateway.auth.roles import CASEWORKER, SUPERVISOR
from gateway.web.caches import Cache, TimedValue
from gateway.web.http import (CASE_REFERENCE_HEADER, RESIDENT_SECRET_HEADER, api, page,
                              redirect, resident_secret)

STAFF_ROLES = frozenset({CASEWORKER, SUPERVISOR})
BASE = "/bookings"
MANAGE = "/bookings/manage"
CONFIRMATION_PATH = "/bookings/confirmation"
CONFIRMATION_FLASH = "booking"
CHANGED_FLASH = "booking_changed"
# a code or a reference guessed at from one address: a person needs a few tries
LOOKUP_LIMIT = "20/minute"
SETUP_TTL = 60
TAGS = ["bookings"]
STAFF_TAGS = ["bookings: staff"]
# the service's field names -> the ids of the details form's fields
DETAILS_FIELDS = {"name": "name", "email": "email", "phone": "phone",
                  "step_free": "step_free", "interpreter": "interpreter-language",
                  "secret": "name", "_schema": "name"}


_COOKIES = {}


def booking_not_found():
    return errors.NotFound(
        "No booking matches that reference and code. Check both and try again",
        code="booking_not_found")


def waitlist_not_found():
    return errors.NotFound(
        "No place on the waiting list matches that number and code. Check both and try "
        "again", code="waitlist_not_found")


def case_not_found(message=None):
    return errors.NotFound(
        message or "No housing case matches that reference and code. Check both and try "
                   "again", code="case_not_found")


def case_missing_in_bookings(exc):
    """A 404 from bookings about the case: housing knows it, but bookings has
    not yet heard it was triaged (CaseTriaged is on its way). The message is
    the bookings service's own, which says to try again in a minute."""
    if "case" in (exc.message or "").lower():
        return case_not_found(exc.message)
    return exc


def case_closed():
    return errors.Unprocessable(
        "This housing case is closed. If you still need help, ask for help with housing "
        "again", code="case_closed")


def staff_id(request):
    """Who acts: always the token's subject, never a value the caller sends."""
    return request.principal.sub


def _check_reference(reference):
    normalised = bookings.normalise_reference(reference)
    if normalised is None:
        raise booking_not_found()
    return normalised


def _check_id(value, what):
    if not bookings.valid_id(value):
        raise errors.NotFound(f"There is no {what} with that id", code=f"{what}_not_found")


def _by_id(items):
    return {item["id"]: item for item in items or ()}


class BookingsRoutes:
    # offices and appointment types, kept a minute so a page makes one RPC for
    # them, not one per request; a supervisor's change clears it
    setup = Cache(TimedValue, ttl=SETUP_TTL)

    # --- JSON API: residents ---

    @api("GET", "/api/v1/bookings/options", response=bookings.OptionsSchema, tags=TAGS,
         errors=[503])
    def bookings_options(self, request):
        """Offices and appointment types

        What can be booked where. A type with needs_case true is for a
        triaged housing case: send the case's reference and code with the
        search, the hold and the waiting list."""
        return bookings.public_options(self._setup())

    @api("GET", "/api/v1/bookings/slots", query=bookings.SlotQuerySchema,
         response=bookings.SlotListSchema, tags=TAGS, errors=[404, 422, 503])
    def bookings_slots(self, request):
        """Free appointment times

        Up to 62 days at a time, earliest first, each with the places left.
        For a housing appointment send the case reference in X-Case-Reference
        and its code in X-Resident-Secret: only the days the case may book
        are listed. 404 `case_not_found` for a wrong reference or code (and,
        for a minute or so after the housing questions are sent, while the
        case reaches bookings: try again); 422 `case_needed`, `advice_only`
        or `case_closed` when a rule says no."""
        case = self._api_case(request)
        return self._search(request.query, case)

    @api("POST", "/api/v1/bookings/holds", body=bookings.HoldBodySchema,
         response=bookings.HeldBookingSchema, status=201, tags=TAGS,
         errors=[404, 409, 422, 503])
    def bookings_hold(self, request):
        """Hold a time while the person gives their details

        201 with the booking's reference and secret: the place is kept for
        10 minutes (`hold_expires_at`); confirm it before then. Keep the
        secret: send it as X-Resident-Secret to confirm, see, change or
        cancel. A housing case as for the search. 409 `slot_full` (or
        `emergency_places_taken`) when the time has gone, with the nearest
        free times in `error.alternatives`; 422 when a rule says no
        (outside_window, case_already_booked, office_not_step_free,
        slot_in_the_past, ...). Send an Idempotency-Key so a retry never
        holds twice."""
        body = request.validated
        case = self._api_case(request)
        held = self._with_case(case, lambda reference: self.rpc.call(
            "bookings", "hold", body["office_id"], body["type_id"], body["start"],
            case_reference=reference, step_free=body["step_free"], booked_by="resident"))
        return self._held(held)

    @api("POST", "/api/v1/bookings/<reference>/confirm", body=bookings.ConfirmBodySchema,
         response=bookings.BookingSchema, tags=TAGS, errors=[404, 422, 503])
    def bookings_confirm(self, request, reference):
        """Confirm a held time with the person's details

        Send the secret in X-Resident-Secret. An email address or a phone
        number is needed; `interpreter` is the language, when one is needed.
        422 `hold_expired` when the 10 minutes have passed. Confirming again
        changes nothing."""
        reference, secret = self._api_booking(request, reference)
        body = request.validated
        return self._booking_call(
            "confirm", reference, secret, body["name"], email=body["email"],
            phone=body["phone"], step_free=body["step_free"], interpreter=body["interpreter"])

    @api("GET", "/api/v1/bookings/<reference>", response=bookings.BookingSchema, tags=TAGS,
         errors=[404, 503])
    def bookings_get(self, request, reference):
        """A booking

        Send the secret in X-Resident-Secret. An unknown reference and a
        wrong secret both give 404."""
        reference, secret = self._api_booking(request, reference)
        return self._booking_call("get_booking", reference, secret)

    @api("POST", "/api/v1/bookings/<reference>/cancel", response=bookings.BookingSchema,
         tags=TAGS, errors=[404, 422, 503])
    def bookings_cancel(self, request, reference):
        """Cancel a booking

        Send the secret in X-Resident-Secret. 422 `too_late_to_change`
        within the cut-off before the appointment (24 hours by default):
        the message gives the number to call. Cancelling again changes
        nothing."""
        reference, secret = self._api_booking(request, reference)
        return self._booking_call("cancel", reference, secret=secret)

    @api("POST", "/api/v1/bookings/<reference>/reschedule",
         body=bookings.RescheduleBodySchema, response=bookings.BookingSchema, tags=TAGS,
         errors=[404, 409, 422, 503])
    def bookings_reschedule(self, request, reference):
        """Move a booking to another time

        Send the secret in X-Resident-Secret, and a free slot's office_id
        and start from the search. The new place is secured before the old
        one is given back: 409 `slot_full` with `error.alternatives` when
        the new time has gone, and the booking is unchanged. The calendar
        file's SEQUENCE goes up by one. 422 `too_late_to_change` as for
        cancelling."""
        reference, secret = self._api_booking(request, reference)
        body = request.validated
        return self._booking_call("reschedule", reference, body["office_id"], body["start"],
                                  secret=secret)

    @api("GET", "/api/v1/bookings/<reference>/calendar.ics", media_type="text/calendar",
         tags=TAGS, errors=[404, 503])
    def bookings_calendar(self, request, reference):
        """The booking as a calendar file

        iCalendar (RFC 5545) with one event, to add to a calendar. Its UID
        stays the same when the booking changes and its SEQUENCE goes up; a
        cancelled booking gives METHOD:CANCEL. Send the secret in
        X-Resident-Secret (or as ?secret=)."""
        reference, secret = self._api_booking(request, reference)
        return self._calendar_response(reference, secret)

    @api("POST", "/api/v1/bookings/waitlist", body=bookings.WaitlistBodySchema,
         response=bookings.WaitlistSchema, status=201, tags=TAGS,
         errors=[404, 422, 503])
    def bookings_join_waitlist(self, request):
        """Join the waiting list for a housing appointment

        When no time is free within the days a case may book: the case as
        for the search. When a place comes free we hold it for the first
        person waiting and the council gets in touch (the housing case has
        the contact details). `first_day` and `last_day` are the days a place
        may be offered for."""
        body = request.validated
        case = self._api_case(request)
        if case is None:
            raise errors.Unprocessable(
                "The waiting list is for housing appointments. Send your case reference "
                "in X-Case-Reference and its code in X-Resident-Secret",
                code="case_needed")
        joined = self._with_case(case, lambda reference: self.rpc.call(
            "bookings", "join_waitlist", body["type_id"], case_reference=reference,
            office_id=body["office_id"], step_free=body["step_free"]))
        return 201, joined

    @api("GET", "/api/v1/bookings/waitlist/<int:waitlist_id>",
         response=bookings.WaitlistStatusSchema, tags=TAGS, errors=[404, 503])
    def bookings_waitlist_status(self, request, waitlist_id):
        """A place on the waiting list, and any offer

        Send the code given on joining in X-Resident-Secret. When a place
        came free and is held for the person, `offer` is that hold, with its
        reference and secret: confirm it as any hold, before its
        hold_expires_at."""
        code = bookings.normalise_code(resident_secret(request))
        if code is None:
            raise waitlist_not_found()
        try:
            return self.rpc.call("bookings", "waitlist_offer", waitlist_id, code)
        except (errors.NotFound, errors.ValidationFailed):
            raise waitlist_not_found()

    # --- JSON API: staff acting for a resident ---

    @api("GET", "/api/v1/bookings/staff/slots", roles=STAFF_ROLES,
         query=bookings.StaffSlotQuerySchema, response=bookings.SlotListSchema,
         tags=STAFF_TAGS, errors=[404, 422, 503])
    def bookings_staff_slots(self, request):
        """Free times, for booking on someone's behalf

        As the resident search; a housing case by its reference alone."""
        query = dict(request.query)
        reference = query.pop("case_reference", None)
        case = {"reference": bookings.housing_reference(reference)} if reference else None
        return self._search(query, case)

    @api("POST", "/api/v1/bookings/staff/holds", roles=STAFF_ROLES,
         body=bookings.StaffHoldBodySchema, response=bookings.HeldBookingSchema, status=201,
         tags=STAFF_TAGS, errors=[404, 409, 422, 503])
    def bookings_staff_hold(self, request):
        """Hold a time for someone who phoned or came in

        As the resident hold, recorded as booked by you. Give the person
        the reference and secret so they can manage it themselves."""
        body = request.validated
        reference = bookings.housing_reference(body["case_reference"]) \
            if body["case_reference"] else None
        held = self._with_case({"reference": reference} if reference else None,
                               lambda ref: self.rpc.call(
                                   "bookings", "hold", body["office_id"], body["type_id"],
                                   body["start"], case_reference=ref,
                                   step_free=body["step_free"], booked_by=staff_id(request)))
        return self._held(held)

    @api("POST", "/api/v1/bookings/staff/<reference>/confirm", roles=STAFF_ROLES,
         body=bookings.ConfirmBodySchema, response=bookings.BookingSchema,
         tags=STAFF_TAGS, errors=[404, 422, 503])
    def bookings_staff_confirm(self, request, reference):
        """Confirm a held time for someone

        No secret needed."""
        reference = _check_reference(reference)
        body = request.validated
        return self._booking_call(
            "confirm", reference, None, body["name"], email=body["email"],
            phone=body["phone"], step_free=body["step_free"], interpreter=body["interpreter"],
            staff_id=staff_id(request))

    @api("POST", "/api/v1/bookings/staff/<reference>/reschedule", roles=STAFF_ROLES,
         body=bookings.RescheduleBodySchema, response=bookings.BookingSchema,
         tags=STAFF_TAGS, errors=[404, 409, 422, 503])
    def bookings_staff_reschedule(self, request, reference):
        """Move someone's booking

        As the resident's change, without the cut-off."""
        reference = _check_reference(reference)
        body = request.validated
        return self._booking_call("reschedule", reference, body["office_id"], body["start"],
                                  staff_id=staff_id(request))

    @api("POST", "/api/v1/bookings/staff/<reference>/cancel", roles=STAFF_ROLES,
         response=bookings.BookingSchema, tags=STAFF_TAGS, errors=[404, 422, 503])
    def bookings_staff_cancel(self, request, reference):
        """Cancel someone's booking

        Without the cut-off."""
        reference = _check_reference(reference)
        return self._booking_call("cancel", reference, staff_id=staff_id(request))

    @api("GET", "/api/v1/bookings/staff/offices/<office_id>/day/<day>", roles=STAFF_ROLES,
         response=bookings.OfficeDaySchema, tags=STAFF_TAGS, errors=[404, 503])
    def bookings_office_day(self, request, office_id, day):
        """Who is coming to an office on a day

        Confirmed bookings in time order, with the person's name and what
        to prepare: step-free access, and the language for an interpreter."""
        _check_id(office_id, "office")
        parsed = bookings.parse_day(day)
        if parsed is None:
            raise errors.ValidationFailed(fields={"day": ["Enter a date like 2026-03-31"]})
        if office_id not in _by_id(self._setup().get("offices")):
            raise errors.NotFound("There is no office with that id", code="office_not_found")
        found = self.rpc.call("bookings", "office_day", office_id, parsed.isoformat())
        return {"office_id": office_id, "day": parsed.isoformat(),
                "bookings": found.get("bookings") or []}

    # --- JSON API: supervisors ---

    @api("GET", "/api/v1/bookings/setup", roles={SUPERVISOR}, response=bookings.SetupSchema,
         tags=STAFF_TAGS, errors=[503])
    def bookings_setup(self, request):
        """Offices, appointment types and advisers

        Everything that makes the free times: opening hours, closures, how
        long each type takes, and who works when."""
        return self._setup(fresh=True)

    @api("PUT", "/api/v1/bookings/setup/offices/<office_id>", roles={SUPERVISOR},
         body=bookings.OfficeBodySchema, response=bookings.OfficeSchema, tags=STAFF_TAGS,
         errors=[503])
    def bookings_save_office(self, request, office_id):
        """Add or change an office

        hours: {"0": [["09:00", "12:30"], ["13:30", "17:00"]], ...} by
        weekday, 0 for Monday, local times. Bookings already made stay."""
        body = self._setup_body(request, office_id, "office")
        body["closures"] = [d.isoformat() for d in body["closures"]]
        return self._save_setup("save_office", body, "offices")

    @api("PUT", "/api/v1/bookings/setup/types/<type_id>", roles={SUPERVISOR},
         body=bookings.TypeBodySchema, response=bookings.TypeSchema, tags=STAFF_TAGS,
         errors=[503])
    def bookings_save_type(self, request, type_id):
        """Add or change an appointment type

        needs_case: only for a triaged housing case, of the listed
        urgencies (emergency, high, standard)."""
        body = self._setup_body(request, type_id, "type")
        return self._save_setup("save_appointment_type", body, "types")

    @api("PUT", "/api/v1/bookings/setup/advisers/<adviser_id>", roles={SUPERVISOR},
         body=bookings.AdviserBodySchema, response=bookings.AdviserSchema, tags=STAFF_TAGS,
         errors=[503])
    def bookings_save_adviser(self, request, adviser_id):
        """Add or change an adviser's working pattern

        Each adviser takes one appointment at a time in the hours of their
        pattern; how many advisers are free is how many places a time has."""
        body = self._setup_body(request, adviser_id, "adviser")
        return self._save_setup("save_adviser", body, "advisers")

    # --- resident pages: what, which case, where and when ---

    @page("GET", BASE)
    def bookings_start_page(self, request):
        """Book an appointment at a council office"""
        return self._start_page(request)

    @page("POST", BASE, form=bookings.StartForm)
    def bookings_start_submit(self, request):
        """Choose what the appointment is about"""
        if request.form_errors:
            return self._start_page(request, request.form_errors, status=400)
        chosen = request.validated["type"]
        if chosen == "housing":
            return redirect(f"{BASE}/housing")
        setup = self._setup()
        if chosen not in _by_id(t for t in setup["types"] if not t.get("needs_case")):
            return self._start_page(request, {"type": [
                "Choose what your appointment is about"]}, status=400)
        return redirect(f"{BASE}/where?" + urlencode({"type": chosen}))

    @page("GET", f"{BASE}/housing")
    def bookings_case_page(self, request):
        """Your housing case"""
        return self._case_form(request, bookings.safe_next(request.args.get("next")))

    @page("POST", f"{BASE}/housing", form=bookings.CaseForm, rate_limit=LOOKUP_LIMIT)
    def bookings_case_submit(self, request):
        """Book for a housing case

        Also where the housing outcome page's "Book an appointment" button
        sends the case's reference and code."""
        if request.form_errors:
            return self._case_form(request, bookings.safe_next(request.form.get("next")),
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
        appt_type = bookings.type_for_case(self._setup()["types"], case["urgency"])
        if appt_type is None:
            return self._no_appointment(request, case, "no_type")
        target = found["next"] or f"{BASE}/where?" + urlencode({"type": appt_type["id"]})
        return self._cookies()[0].attach(redirect(target), request, {
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

    @page("POST", f"{BASE}/times", form=bookings.HoldForm)
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
                idempotency_key=bookings.web_idempotency_key(
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
        back = f"{BASE}/times?{bookings.search_query(choices)}"
        return self._cookies()[1].attach(redirect(f"{BASE}/details"), request, {
            "reference": held["reference"], "secret": held["secret"], "back": back},
            self.settings.cookie_secure)

    @page("POST", f"{BASE}/waitlist", form=bookings.WaitlistForm)
    def bookings_waitlist_submit(self, request):
        """Join the waiting list"""
        setup = self._setup()
        appt_type, case = self._page_type(request, setup, request.form.get("type"))
        if appt_type is None:
            return case
        if case is None:
            return redirect(f"{BASE}/where?" + urlencode({"type": appt_type["id"]}))
        office = request.form.get("office") or "any"
        office_id = office if office in _by_id(setup["offices"]) else None
        try:
            joined = self.rpc.call(
                "bookings", "join_waitlist", appt_type["id"], case_reference=case["reference"],
                office_id=office_id, step_free=request.form.get("step_free") == "yes")
        except errors.Unprocessable as exc:
            if exc.code == "advice_only":
                return self._no_appointment(request, case, "advice")
            return self.pages.render(request, "bookings_waitlist.html", {
                "problem": exc.message, "type": appt_type, "words": bookings.words()},
                status=422)
        except errors.NotFound:
            return self.pages.render(request, "bookings_waitlist.html", {
                "problem": "We are still getting your case ready for booking. Wait a "
                           "minute, then try again.", "type": appt_type,
                "words": bookings.words()}, status=404)
        return self.pages.render(request, "bookings_waitlist.html", {
            "joined": joined, "type": appt_type, "words": bookings.words(),
            "office": _by_id(setup["offices"]).get(office_id)})

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
        return self._cookies()[1].attach(redirect(f"{BASE}/details"), request, {
            "reference": booking["reference"], "secret": code, "back": BASE},
            self.settings.cookie_secure)

    # --- resident pages: details and confirmation ---

    @page("GET", f"{BASE}/details")
    def bookings_details_page(self, request):
        """Your details"""
        hold, booking = self._page_hold(request)
        if booking is None:
            return hold
        return self._details_page(request, hold, booking)

    @page("POST", f"{BASE}/details", form=bookings.DetailsForm)
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
        office = _by_id(setup["offices"]).get(booking["office_id"]) or {}
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
        secret = bookings.normalise_code(flashed.get("secret"))
        booking = self._booking_or_none(reference, secret)
        if booking is None:
            return redirect(MANAGE)
        return self.pages.render(request, "bookings_confirmation.html", {
            **self._booking_context(booking), "secret": secret,
            "manage_url": bookings.manage_path(reference, secret),
            "calendar_url": bookings.calendar_path(reference, secret)})

    # --- resident pages: see, change or cancel ---

    @page("GET", MANAGE)
    def bookings_manage_start_page(self, request):
        """Change or cancel an appointment"""
        return self.pages.render(request, "bookings_manage_start.html", {})

    @page("POST", MANAGE, form=bookings.ManageForm, rate_limit=LOOKUP_LIMIT)
    def bookings_manage_start_submit(self, request):
        """Find an appointment"""
        if request.form_errors:
            return self.pages.render(request, "bookings_manage_start.html", {
                "errors": request.form_errors, "values": request.form}, status=400)
        found = request.validated
        if self._booking_or_none(found["reference"], found["secret"]) is None:
            return self._manage_not_found(request, request.form)
        return redirect(bookings.manage_path(found["reference"], found["secret"]))

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
            "manage_url": bookings.manage_path(booking["reference"], code),
            "calendar_url": bookings.calendar_path(booking["reference"], code),
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

    @page("POST", f"{MANAGE}/<reference>/reschedule", form=bookings.HoldForm)
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
            return redirect(bookings.manage_path(booking["reference"], code))
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

    # --- helpers: the JSON API ---

    def _setup(self, fresh=False):
        return self.setup.get(lambda: self.rpc.call("bookings", "setup"), fresh=fresh)

    def _api_case(self, request):
        """The housing case named by X-Case-Reference, checked with housing
        against the code in X-Resident-Secret; None when no case is named."""
        given = (request.headers.get(CASE_REFERENCE_HEADER) or "").strip()
        if not given:
            return None
        reference = bookings.housing_reference(given)
        code = bookings.normalise_code(request.headers.get(RESIDENT_SECRET_HEADER))
        if reference is None or code is None:
            raise case_not_found()
        case = self._case_or_none(reference, code)
        if case is None:
            raise case_not_found()
        if case.get("status") == "closed":
            raise case_closed()
        return {**case, "reference": reference}

    @staticmethod
    def _with_case(case, act):
        """Runs act(case reference or None); a 404 about the case itself
        (bookings has not heard of it yet) is case_not_found."""
        reference = case["reference"] if case else None
        try:
            return act(reference)
        except errors.NotFound as exc:
            raise case_missing_in_bookings(exc) if reference else exc

    def _search(self, query, case):
        return self._with_case(case, lambda reference: self.rpc.call(
            "bookings", "search", query["type_id"], query["first_day"].isoformat(),
            query["last_day"].isoformat(), office_id=query["office_id"],
            step_free=query["step_free"], case_reference=reference))

    @staticmethod
    def _held(held):
        status_url = f"/api/v1/bookings/{quote(held['reference'])}"
        return 201, {"Location": status_url}, {**held, "status_url": status_url}

    @staticmethod
    def _api_booking(request, reference):
        normalised = bookings.normalise_reference(reference)
        secret = bookings.normalise_code(resident_secret(request))
        if normalised is None or secret is None:
            raise booking_not_found()
        return normalised, secret

    def _booking_call(self, method, *args, **kwargs):
        try:
            return self.rpc.call("bookings", method, *args, **kwargs)
        except errors.NotFound as exc:
            if kwargs.get("staff_id"):
                raise errors.NotFound(exc.message, code="booking_not_found")
            raise booking_not_found()

    def _calendar_response(self, reference, secret):
        try:
            ics = self.rpc.call("bookings", "calendar", reference, secret)
        except (errors.NotFound, errors.ValidationFailed):
            raise booking_not_found()
        response = Response(ics, content_type="text/calendar; charset=utf-8")
        response.headers["Content-Disposition"] = (
            f'inline; filename="appointment-{reference}.ics"')
        return response

    def _setup_body(self, request, path_id, kind):
        _check_id(path_id, kind)
        body = bookings.with_path_id(request.validated, path_id)
        if body is None:
            raise errors.ValidationFailed(fields={"id": ["The id must be the one in the "
                                                         "address"]})
        problems = bookings.missing_references(kind, body, self._setup(fresh=True))
        if problems:
            raise errors.ValidationFailed(fields=problems)
        return body

    def _save_setup(self, method, body, listed):
        self.rpc.call("bookings", method, body)
        self.setup.clear()
        saved = _by_id(self._setup(fresh=True).get(listed)).get(body["id"])
        return saved if saved is not None else body

    # --- helpers: the pages ---

    def _cookies(self):
        secret = self.pages.flash.serializer.secret_key
        pair = _COOKIES.get(secret)
        if pair is None:
            pair = _COOKIES[secret] = (bookings.CaseCookie(secret),
                                       bookings.HoldCookie(secret))
        return pair

    def _clear_hold(self, response, request):
        return self._cookies()[1].clear(response, request, self.settings.cookie_secure)

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
        value = self._cookies()[0].read(request)
        if value is None:
            return None
        case = self._case_or_none(value["reference"], value["secret"])
        return {**case, "reference": value["reference"]} if case else None

    def _case_refused(self, request, case):
        """The page to show instead of times for a case that cannot book."""
        if case.get("status") == "closed":
            return self._no_appointment(request, case, "closed")
        if case.get("urgency") not in bookings.URGENCIES:
            return self._no_appointment(request, case, "advice")
        return None

    def _page_type(self, request, setup, type_id):
        """(appointment type, case or None) for a times page; else (None, a
        response: back to the start, or to the case form)."""
        appt_type = _by_id(setup["types"]).get(type_id or "")
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
        choices, problems = bookings.search_choices(args, [o["id"] for o in offices])
        office = _by_id(offices).get(choices["office"])
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
        query = bookings.search_query(choices)
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
            "days": bookings.group_by_day(found, shown),
            "offices": _by_id(setup["offices"]), "words": bookings.words(),
            "action": f"{BASE}/times", "hidden": _hidden_choices(choices),
            "submission": secrets.token_urlsafe(16),
            "all_times_url": f"{BASE}/times?{query}",
            "change_url": f"{BASE}/where?{query}",
            "first_url": f"{BASE}/times?{bookings.search_query(choices, when='first')}",
            "elsewhere": elsewhere,
            "waitlist": bool(case) and not found and problem is None and not elsewhere
            and alternatives is None},
            status=status)

    def _no_appointment(self, request, case, reason):
        """A case that cannot book: advice instead, closed, or not online."""
        response = self.pages.render(request, "bookings_no_appointment.html", {
            "case": case or {}, "reason": reason, "words": housing_words.words()})
        return self._cookies()[0].clear(response, request, self.settings.cookie_secure)

    def _page_hold(self, request):
        """(hold, booking) from the hold cookie; else (a response, None)."""
        hold = self._cookies()[1].read(request)
        if hold is None:
            return redirect(BASE), None
        booking = self._booking_or_none(hold["reference"], hold["secret"])
        if booking is None:
            return self._clear_hold(redirect(BASE), request), None
        if booking["status"] == "confirmed":
            return self._clear_hold(redirect(bookings.manage_path(
                booking["reference"], hold["secret"])), request), None
        if not bookings.is_live_hold(booking):
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
            "minutes": bookings.minutes_left(booking.get("hold_expires_at")),
            "until": bookings.clock_text(booking.get("hold_expires_at")),
            "back_url": hold["back"]}, status=status)

    def _booking_or_none(self, reference, secret):
        if not reference or not secret:
            return None
        try:
            return self.rpc.call("bookings", "get_booking", reference, secret)
        except (errors.NotFound, errors.ValidationFailed):
            return None

    def _booking_context(self, booking):
        setup = self._setup()
        return {"booking": booking, "office": _by_id(setup["offices"]).get(
            booking["office_id"]) or {"name": booking["office_id"], "address": ""},
            "type": _by_id(setup["types"]).get(booking["type_id"]) or {
                "name": booking["type_id"]},
            "words": bookings.words()}

    def _page_booking(self, request, reference):
        """(booking, its code) from the secret link; else (a response, None)."""
        normalised = bookings.normalise_reference(reference)
        code = bookings.normalise_code(request.args.get("code") or request.form.get("code"))
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
            redirect(bookings.manage_path(reference, code)), CHANGED_FLASH,
            {"reference": reference, "message": message}, path=self._manage_base(reference))

    def _reschedule_page(self, request, booking, code, args, errors=None, alternatives=None,
                         status=200):
        setup = self._setup()
        appt_type = _by_id(setup["types"]).get(booking["type_id"]) or {
            "id": booking["type_id"], "name": booking["type_id"], "office_ids": []}
        if booking["status"] != "confirmed":
            return redirect(bookings.manage_path(booking["reference"], code))
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
        choices, problems = bookings.search_choices(filters, [o["id"] for o in offices])
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
            "days": bookings.group_by_day(found, shown),
            "offices": _by_id(setup["offices"]), "code": code,
            "action": self._manage_base(booking["reference"]) + "/reschedule",
            "manage_url": bookings.manage_path(booking["reference"], code)}, status=status)

    def _cancel_page(self, request, booking, code, problem=None, status=200):
        return self.pages.render(request, "bookings_cancel.html", {
            **self._booking_context(booking), "code": code, "problem": problem,
            "errors": {"cancel": [problem]} if problem else None,
            "action": self._manage_base(booking["reference"]) + "/cancel",
            "manage_url": bookings.manage_path(booking["reference"], code)}, status=status)


def _hidden_choices(choices):
    """The search's choices as hidden fields, so a failed hold can show the
    same times again."""
    fields = [("type", choices["type"]), ("office", choices["office"]),
              ("step_free", choices["step_free"]), ("when", choices["when"])]
    if choices["when"] == "dates":
        fields += list((choices.get("dates") or {}).items())
    return fields
