"""Office appointments' JSON API: for residents, for staff acting for them,
and the supervisors' setup. docs/bookings.md is the guide.

A mixin of GatewayService (gateway/service.py), which supplies `rpc` and
`settings`. BookingsCalls, the setup kept a minute and a booking's calendar
file, is a base of the booking pages' mixins too.

A housing appointment is for a triaged case only. The person gives the
case's reference and code in the X-Case-Reference and X-Resident-Secret
headers; the gateway checks them with the housing service, and only then
passes the reference to bookings, which trusts the gateway for it as it does
for staff ids.

Staff act with their token's subject as `staff_id`: they need no code, the
change cut-off does not apply to them, and a case needs no code either.
"""
from urllib.parse import quote

from werkzeug.wrappers import Response

from gateway.api.housing import HousingCalls
from gateway.api.schemas import bookings
from gateway.api.schemas.housing import normalise_code
from gateway.web import errors
from gateway.auth.roles import CASEWORKER, SUPERVISOR
from gateway.web.caches import Cache, TimedValue
from gateway.web.http import api
from gateway.web.requests import CASE_REFERENCE_HEADER, RESIDENT_SECRET_HEADER, resident_secret

STAFF_ROLES = frozenset({CASEWORKER, SUPERVISOR})
SETUP_TTL = 60
TAGS = ["bookings"]
STAFF_TAGS = ["bookings: staff"]


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


def by_id(items):
    return {item["id"]: item for item in items or ()}


class BookingsCalls(HousingCalls):
    """The bookings service's calls that the API and the pages share."""
    # offices and appointment types, kept a minute so a page makes one RPC for
    # them, not one per request; a supervisor's change clears it
    setup = Cache(TimedValue, ttl=SETUP_TTL)

    def _setup(self, fresh=False):
        return self.setup.get(lambda: self.rpc.call("bookings", "setup"), fresh=fresh)

    def _calendar_response(self, reference, secret):
        try:
            ics = self.rpc.call("bookings", "calendar", reference, secret)
        except (errors.NotFound, errors.ValidationFailed):
            raise booking_not_found()
        response = Response(ics, content_type="text/calendar; charset=utf-8")
        response.headers["Content-Disposition"] = (
            f'inline; filename="appointment-{reference}.ics"')
        return response


class BookingsApi(BookingsCalls):

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
        code = normalise_code(resident_secret(request))
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
        if office_id not in by_id(self._setup().get("offices")):
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

    # --- helpers: the JSON API ---

    def _api_case(self, request):
        """The housing case named by X-Case-Reference, checked with housing
        against the code in X-Resident-Secret; None when no case is named."""
        given = (request.headers.get(CASE_REFERENCE_HEADER) or "").strip()
        if not given:
            return None
        reference = bookings.housing_reference(given)
        code = normalise_code(request.headers.get(RESIDENT_SECRET_HEADER))
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
        secret = normalise_code(resident_secret(request))
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

    def _setup_body(self, request, path_id, kind):
        _check_id(path_id, kind)
        body = bookings.with_path_id(request.validated, path_id)
        if body is None:
            raise errors.ValidationFailed(fields={"id": ["The id must be the one in the "
                                                         "address"]})
        return body

    def _save_setup(self, method, body, listed):
        try:
            self.rpc.call("bookings", method, body)
        except errors.ValidationFailed as exc:
            # the service names offices or types that do not exist: a 400 on
            # those fields, as the gateway's own checks answer
            raise errors.ValidationFailed(None if exc.fields else exc.message,
                                          fields=exc.fields) from None
        self.setup.clear()
        saved = by_id(self._setup(fresh=True).get(listed)).get(body["id"])
        return saved if saved is not None else body
