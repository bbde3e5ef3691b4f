"""The booking pages' helpers: times in words, slots in days, the choices of
the "where and when" page, the signed cookies, the setup cache, and the
housing outcome page's "Book an appointment" button."""
import datetime as dt

from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway.api.schemas import bookings
from gateway.pages.bookings import cookies, forms, search, words
from gateway.web import errors
from gateway.api.bookings import case_missing_in_bookings
from gateway.pages.bookings.routes import _hidden_choices
from gateway.web.caches import TimedValue
from gateway.web.pages import make_environment
from services.kit import references

UTC = dt.timezone.utc


def slot(start, office="town-hall", remaining=2):
    return {"office_id": office, "type_id": "council-tax", "start": start, "end": start,
            "local_start": start, "capacity": 2, "remaining": remaining}


def test_times_and_days_in_words_in_council_time():
    # winter: UK time is UTC; summer: an hour ahead
    assert words.clock_text("2026-12-01T09:00:00+00:00") == "9am"
    assert words.clock_text("2026-07-01T08:30:00+00:00") == "9:30am"
    assert words.clock_text("2026-07-01T11:00:00+00:00") == "12pm"
    assert words.clock_text("2026-12-01T13:45:00+00:00") == "1:45pm"
    assert words.day_text("2026-12-01") == "Tuesday 1 December 2026"
    assert words.day_text(dt.date(2026, 12, 1)) == "Tuesday 1 December 2026"
    # 11:30pm UTC on 30 June is already 1 July in the UK
    assert words.day_text("2026-06-30T23:30:00+00:00") == "Wednesday 1 July 2026"
    assert words.when_text("2026-12-01T14:30:00+00:00") == \
        "2:30pm on Tuesday 1 December 2026"
    assert words.when_text("not a time") == ""
    assert words.places_text(1) == "1 place left"
    assert words.places_text(3) == "3 places left"


def test_slots_in_days_earliest_first():
    found = [slot("2026-12-02T09:00:00+00:00"), slot("2026-12-01T13:30:00+00:00"),
             slot("2026-12-01T09:00:00+00:00", office="northgate", remaining=1),
             slot("2026-12-03T09:00:00+00:00")]
    days = words.group_by_day(found)
    assert [d["label"] for d in days] == ["Tuesday 1 December 2026",
                                          "Wednesday 2 December 2026",
                                          "Thursday 3 December 2026"]
    assert [d["id"] for d in days] == ["slot-2026-12-01", "slot-2026-12-02", "slot-2026-12-03"]
    first = days[0]["slots"]
    assert [s["time"] for s in first] == ["9am", "1:30pm"]
    assert first[0]["value"] == "northgate|2026-12-01T09:00:00+00:00"
    assert len(words.group_by_day(found, limit_days=2)) == 2
    assert words.group_by_day([]) == []


def test_a_slot_as_a_radio_value_and_back():
    value = words.slot_value(slot("2026-07-01T08:00:00+00:00"))
    assert value == "town-hall|2026-07-01T08:00:00+00:00"
    assert forms.parse_slot_value(value) == ("town-hall", "2026-07-01T08:00:00+00:00")
    assert forms.parse_slot_value("town-hall|2026-07-01T09:00:00+01:00") == (
        "town-hall", "2026-07-01T08:00:00+00:00")
    for bad in (None, "", "town-hall", "Town Hall|2026-07-01T08:00:00+00:00",
                "town-hall|2026-07-01T08:00:00", "town-hall|soon", "a|b|c", "x" * 200):
        assert forms.parse_slot_value(bad) is None


def test_a_hold_in_minutes():
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    held = {"status": "held", "hold_expires_at": "2026-12-01T09:10:00+00:00"}
    assert words.minutes_left(held["hold_expires_at"], now) == 10
    assert words.minutes_left(held["hold_expires_at"], now + dt.timedelta(seconds=1)) == 10
    assert words.minutes_left(held["hold_expires_at"], now + dt.timedelta(minutes=9,
                                                                             seconds=30)) == 1
    assert words.minutes_left(held["hold_expires_at"], now + dt.timedelta(minutes=11)) == 0
    assert words.minutes_left(None, now) == 0
    assert words.status_words("confirmed") == ("Booked", "green")
    assert words.status_words("cancelled")[0] == "Cancelled"
    assert words.status_words("odd_state") == ("Odd_state", "grey")


def test_what_anyone_may_see():
    types = [{"id": "housing-options", "needs_case": True, "urgencies": ["high", "standard"],
              "name": "Housing options interview", "duration_minutes": 45,
              "office_ids": ["town-hall"], "advisers_at_once": 3},
             {"id": "housing-emergency", "needs_case": True, "urgencies": ["emergency"],
              "name": "Emergency", "duration_minutes": 30, "office_ids": ["town-hall"]},
             {"id": "council-tax", "needs_case": False, "urgencies": [],
              "name": "Council Tax advice", "duration_minutes": 20, "office_ids": []}]
    shown = bookings.public_options({"offices": [
        {"id": "town-hall", "name": "Town Hall", "address": "1 High Street",
         "step_free": True, "hours": {"0": []}, "closures": []}], "types": types})
    assert shown["offices"] == [{"id": "town-hall", "name": "Town Hall",
                                 "address": "1 High Street", "step_free": True}]
    assert "advisers_at_once" not in shown["types"][0]
    assert "urgencies" not in shown["types"][0]


def test_the_where_and_when_choices():
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    offices = ["town-hall", "northgate"]
    choices, problems = search.search_choices(
        MultiDict({"type": "council-tax", "step_free": "no"}), offices, now)
    assert problems is None
    assert (choices["office"], choices["when"]) == ("any", "first")
    assert choices["first_day"] == dt.date(2026, 12, 1)
    assert choices["last_day"] == dt.date(2026, 12, 1) + dt.timedelta(
        days=bookings.FIRST_AVAILABLE_DAYS - 1)

    dates = {"from-day": "7", "from-month": "12", "from-year": "2026",
             "to-day": "11", "to-month": "12", "to-year": "2026"}
    choices, problems = search.search_choices(MultiDict({
        "type": "council-tax", "step_free": "yes", "office": "northgate", "when": "dates",
        **dates}), offices, now)
    assert problems is None
    assert (choices["first_day"], choices["last_day"]) == (dt.date(2026, 12, 7),
                                                           dt.date(2026, 12, 11))
    query = search.search_query(choices)
    again, _ = search.search_choices(MultiDict(
        [tuple(p.split("=")) for p in query.split("&")]), offices, now)
    assert again["first_day"] == choices["first_day"] and again["office"] == "northgate"
    assert ("from-day", "7") in _hidden_choices(choices)

    _, problems = search.search_choices(MultiDict({
        "office": "mars", "step_free": "maybe", "when": "someday"}), offices, now)
    assert problems == {"office": ["Choose an office from the list"],
                        "step_free": ["Say whether you need step-free access"],
                        "when": ["Choose when you would like to come"]}
    _, problems = search.search_choices(MultiDict({
        "step_free": "no", "when": "dates", "from-day": "30", "from-month": "11",
        "from-year": "2026", "to-day": "31", "to-month": "2"}), offices, now)
    assert problems == {"from": ["The first date must be today or in the future"],
                        "to": ["The last date must include a year"]}
    _, problems = search.search_choices(MultiDict({
        "step_free": "no", "when": "dates", **dates, "to-day": "5"}), offices, now)
    assert problems == {"to": ["The last date must be the same as or after the first date"]}
    _, problems = search.search_choices(MultiDict({
        "step_free": "no", "when": "dates", **dates, "to-month": "1", "to-year": "2027"}),
        offices, now)
    assert problems == {"to": ["Choose dates up to 4 weeks apart"]}
    _, problems = search.search_choices(MultiDict({
        "step_free": "no", "when": "dates", **dates, "from-year": "26"}), offices, now)
    assert problems == {"from": ["The first date must be a real date"]}


def test_the_secret_links():
    reference = references.new_reference("BK")
    assert words.manage_path(reference, "7K3Q-M2XA-9PRT") == \
        f"/bookings/manage/{reference}?code=7K3Q-M2XA-9PRT"
    assert words.calendar_path(reference, "7K3Q-M2XA-9PRT") == \
        f"/bookings/manage/{reference}/calendar.ics?code=7K3Q-M2XA-9PRT"
    one = words.web_idempotency_key("sub", "town-hall", "2026-12-01T09:00:00+00:00")
    assert one == words.web_idempotency_key("sub", "town-hall", "2026-12-01T09:00:00+00:00")
    assert one != words.web_idempotency_key("sub", "town-hall",
                                               "2026-12-01T09:30:00+00:00")


def _request(cookies=None, base="http://localhost"):
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    return Request(EnvironBuilder(path="/bookings/details", base_url=base,
                                  headers=headers).get_environ())


def test_the_case_and_hold_cookies_are_signed_scoped_and_http_only():
    case = references.new_reference("HL")
    cookie = cookies.CaseCookie("secret")
    response = cookie.attach(Response(), _request(), {"reference": case,
                                                      "secret": "7K3Q-M2XA-9PRT"})
    header = response.headers["Set-Cookie"]
    assert header.startswith("booking_case=")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/bookings" in header
    assert "Secure" not in header and "Max-Age" not in header
    value = header.split(";")[0].split("=", 1)[1]
    assert cookie.read(_request({"booking_case": value})) == {
        "reference": case, "secret": "7K3Q-M2XA-9PRT"}
    assert cookies.CaseCookie("other").read(_request({"booking_case": value})) is None
    assert cookie.read(_request({"booking_case": value[:-2] + "xx"})) is None
    # a hold's cookie is not a case's
    assert cookies.HoldCookie("secret").read(_request({"booking_hold": value})) is None
    secure = cookie.attach(Response(), _request(base="https://council.example"),
                           {"reference": case, "secret": "7K3Q-M2XA-9PRT"})
    assert "Secure" in secure.headers["Set-Cookie"]
    assert "booking_case=;" in cookie.clear(Response(), _request()).headers["Set-Cookie"]

    hold = cookies.HoldCookie("secret")
    booking = references.new_reference("BK")
    response = hold.attach(Response(), _request(), {
        "reference": booking, "secret": "7K3Q-M2XA-9PRT", "back": "https://evil.example/"})
    value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert hold.read(_request({"booking_hold": value})) == {
        "reference": booking, "secret": "7K3Q-M2XA-9PRT", "back": "/bookings"}


def test_the_setup_is_kept_a_while_and_cleared_on_change():
    calls = []

    def fetch():
        calls.append(1)
        return {"offices": [], "types": [], "n": len(calls)}

    cache = TimedValue(ttl=60)
    assert cache.get(fetch)["n"] == 1
    assert cache.get(fetch)["n"] == 1
    assert cache.get(fetch, fresh=True)["n"] == 2
    cache.clear()
    assert cache.get(fetch)["n"] == 3
    stale = TimedValue(ttl=-1)
    stale.get(fetch)
    assert stale.get(fetch)["n"] == 5


def test_a_case_bookings_has_not_heard_of_yet_is_case_not_found():
    missing = case_missing_in_bookings(errors.NotFound(
        "We have no triaged case with that reference yet. If you have just finished the "
        "questions, try again in a minute."))
    assert missing.code == "case_not_found" and "try again in a minute" in missing.message
    office = errors.NotFound("There is no office with that id.")
    assert case_missing_in_bookings(office) is office


def _outcome(urgency):
    env = make_environment()
    env.globals.update(serviceName="Townhall", serviceUrl="/", council_name="Council")
    case = {"reference": "HL-7K3Q-92", "urgency": urgency, "status": "open",
            "next_step": {"code": "book_appointment", "title": "Book an appointment"}}
    from gateway.pages.housing import words
    return env.get_template("housing_outcome.html").render(
        case=case, secret="7K3Q-M2XA-9PRT", words=words.words(), csrf_field=lambda: "tok",
        csrf_field_name="csrf_token", cspNonce="n")


def test_the_housing_outcome_page_offers_a_booking_for_cases_that_need_one():
    for urgency in ("emergency", "high", "standard"):
        html = _outcome(urgency)
        assert 'action="/bookings/housing"' in html and 'method="post"' in html
        assert 'name="reference" value="HL-7K3Q-92"' in html
        assert 'name="secret" value="7K3Q-M2XA-9PRT"' in html
        assert "govuk-button--start" in html and "Book an appointment" in html
        # the code goes in the form's body, never in a link
        assert "code=7K3Q" not in html and "secret=7K3Q" not in html
    assert 'action="/bookings/housing"' not in _outcome("advice")


def test_where_to_go_next_refuses_line_breaks():
    from gateway.pages.bookings.forms import safe_next
    assert safe_next("/bookings/manage/BK-AAAA-00?code=X") is not None
    assert safe_next("/bookings/manage/BK-AAAA-00\r\nSet-Cookie: a=b") is None
