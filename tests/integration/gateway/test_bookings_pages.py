"""The booking pages as a browser without JavaScript uses them, against the
real bookings and housing services in a Stack: choose what, where and when;
hold a time; give details; the confirmation with its secret link and
calendar file; change and cancel; a full slot's alternatives; and a housing
case, from the outcome page's button to a time in its window, the advice
page and the waiting list."""
import datetime as dt
import re
from html import unescape
from urllib.parse import urlsplit

import icalendar

from gateway.pages.bookings.cookies import HoldCookie
from gateway.pages.bookings.words import day_text as bookings_day_text
from services.kit import references
from tests.support import pages
from tests.support.bookings_stack import (GATEWAY_SECRET, call, case_headers, hold,
                                          local_today, slots, triaged_case,
                                          working_days)
from tests.support.housing_stack import (advice_answers, answer_all, renter_answers,
                                         secret_header, start)

SLOT = re.compile(r'name="slot" type="radio" value="([^"]+)"')


class Browser(pages.Browser):
    escaped_markup = re.compile(r"&lt;/?(span|br|strong|p|a|h2|div)\b")

    def hidden(self, name):
        return unescape(re.search(rf'name="{name}" value="([^"]*)"', self.page.text).group(1))

    def slot_values(self):
        return [unescape(v) for v in SLOT.findall(self.page.text)]

    def link(self, element_id):
        return unescape(re.search(rf'id="{element_id}" href="([^"]+)"', self.page.text)
                        .group(1))


def dates(prefix, day):
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month),
            f"{prefix}-year": str(day.year)}


def times_for(browser, day, type_id="council-tax", **choices):
    params = {"type": type_id, "office": "any", "step_free": "no", "when": "dates",
              **dates("from", day), **dates("to", day), **choices}
    return browser.get("/bookings/times", **params)


def hold_on_page(browser, value):
    """Posts the times page's form with the chosen slot and its hidden fields."""
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                        browser.page.text)
    data = [(name, unescape(value)) for name, value in fields if name != "csrf_token"]
    return browser.submit("/bookings/times", data=data + [("slot", value)])


def test_choose_what_where_and_when(bookings_stack):
    b = Browser(bookings_stack)
    assert 'href="/bookings"' in b.get("/").text
    page = b.get("/bookings")
    assert page.status_code == 200
    assert "What is your appointment about?" in b.text
    assert 'value="council-tax"' in page.text and 'value="housing"' in page.text
    assert 'value="housing-options"' not in page.text

    b.submit("/bookings")
    assert b.page.status_code == 400
    assert 'class="govuk-error-summary' in b.page.text
    assert "Choose what your appointment is about" in b.text

    b.get("/bookings")
    b.submit("/bookings", type="council-tax")
    assert b.path == "/bookings/where?type=council-tax"
    assert "Where and when would you like to come?" in b.text
    assert 'value="town-hall"' in b.page.text and 'value="northgate"' not in b.page.text

    # no step-free answer, an office that does not offer the type, a bad date
    b.get("/bookings/times", type="council-tax", office="northgate", when="dates",
          **{"from-day": "31", "from-month": "2", "from-year": "2027"})
    assert b.page.status_code == 400
    for message in ("Say whether you need step-free access", "Choose an office from the list",
                    "The first date must be a real date", "Enter the last date"):
        assert message in b.text
    assert 'href="#from-day"' in b.page.text

    # housing goes to the case form
    b.get("/bookings")
    b.submit("/bookings", type="housing")
    assert b.path == "/bookings/housing"
    assert "Enter your housing case reference and code" in b.text


def test_hold_give_details_confirm_change_and_cancel(bookings_stack):
    b = Browser(bookings_stack)
    day = working_days(3)[1]
    times_for(b, day)
    assert b.page.status_code == 200, b.text
    assert "Choose a time" in b.text and b.text.count(day.strftime("%A")) >= 1
    values = b.slot_values()
    assert values and all("|" in v for v in values)
    assert "All times are UK time." in b.text

    # a form without its choices starts again
    b.submit("/bookings/times")
    assert b.path == "/bookings"
    times_for(b, day)
    hold_on_page(b, "")
    assert b.page.status_code == 400 and "Choose a time" in b.text

    times_for(b, day)
    hold_on_page(b, values[0])
    assert b.path == "/bookings/details", b.text
    assert "We are holding this time for 10 minutes" in b.text
    assert "booking_hold" in b.session.cookies.get_dict()
    cookie = next(c for c in b.session.cookies if c.name == "booking_hold")
    assert cookie.path == "/bookings" and cookie.has_nonstandard_attr("HttpOnly")

    b.submit("/bookings/details")
    assert b.page.status_code == 400
    for message in ("Enter your name", "Enter an email address or a phone number",
                    "Say whether you need an interpreter"):
        assert message in b.text
    b.submit("/bookings/details", name="Sam Jones", phone="12", interpreter="yes")
    assert b.page.status_code == 400
    assert "Enter a telephone number" in b.text
    assert "Enter the language you need an interpreter for" in b.text

    b.submit("/bookings/details", name="Sam Jones", email="sam@example.com",
             interpreter="yes", **{"interpreter-language": "polish", "step_free": "yes"})
    assert b.path == "/bookings/confirmation", b.text
    assert "Appointment booked" in b.text
    reference = re.search(r"BK-[0-9A-Z]{4}-[0-9]{2}", b.text).group(0)
    code = b.page.text.split('id="booking-code">')[1].split("<")[0]
    manage = b.link("manage-link")
    assert manage == f"/bookings/manage/{reference}?code={code}"
    assert "Polish" in b.text and "Needed" in b.text
    assert "booking_hold" not in b.session.cookies.get_dict()

    calendar = b.session.get(bookings_stack.base_url + b.link("calendar-link"), timeout=10)
    assert calendar.status_code == 200
    assert calendar.headers["Content-Type"].startswith("text/calendar")
    assert calendar.headers["Content-Disposition"] == (
        f'attachment; filename="appointment-{reference}.ics"')
    event = next(iter(icalendar.Calendar.from_ical(calendar.content).walk("VEVENT")))
    assert int(event["SEQUENCE"]) == 0

    # the secret link works in another browser, with nothing else
    other = Browser(bookings_stack)
    other.get(manage)
    assert other.page.status_code == 200
    assert "Your appointment" in other.text and "Booked" in other.text
    assert reference in other.text

    # change the time
    reschedule = re.search(r'href="(/bookings/manage/[^"]+/reschedule\?code=[^"]+)"',
                           other.page.text).group(1)
    other.get(unescape(reschedule))
    assert "Change the time of your appointment" in other.text
    assert other.slot_values() and values[0] not in other.slot_values()
    # a later day, so that the change is well before the cut-off
    later = working_days(4)[3]
    other.get(f"/bookings/manage/{reference}/reschedule", code=code, office="any",
              when="dates", **dates("from", later), **dates("to", later))
    new_values = other.slot_values()
    assert new_values and all(v.split("|")[1][:10] == later.isoformat() for v in new_values)
    other.submit(f"/bookings/manage/{reference}/reschedule", code=code, office="any",
                 when="dates", slot=new_values[0], **dates("from", later),
                 **dates("to", later))
    assert other.path == manage, other.text
    assert "Your appointment has been changed" in other.text
    other.get(manage)
    assert "Your appointment has been changed" not in other.text
    event = next(iter(icalendar.Calendar.from_ical(other.session.get(
        bookings_stack.base_url + other.link("calendar-link"), timeout=10).content)
        .walk("VEVENT")))
    assert int(event["SEQUENCE"]) == 1

    # cancel, after saying so
    other.get(f"/bookings/manage/{reference}/cancel", code=code)
    assert "Are you sure you want to cancel your appointment?" in other.text
    other.submit(f"/bookings/manage/{reference}/cancel", code=code)
    assert other.path == manage
    assert "Your appointment has been cancelled" in other.text
    assert "Cancelled" in other.text and "Change the time" not in other.text
    got = call(bookings_stack, "GET", f"/api/v1/bookings/{reference}",
               headers=secret_header(code))
    assert got.json()["status"] == "cancelled"


def test_find_an_appointment_by_reference_and_code(bookings_stack):
    b = Browser(bookings_stack)
    b.get("/bookings/manage")
    unknown = references.new_reference("BK")
    b.submit("/bookings/manage", reference=unknown, secret="2222-2222-2222")
    assert b.page.status_code == 404
    assert "No booking matches that reference and code" in b.text
    b.submit("/bookings/manage", reference="nonsense", secret="")
    assert b.page.status_code == 400
    assert "Enter your booking reference as it is shown" in b.text
    assert "Enter your code" in b.text
    assert b.get(f"/bookings/manage/{unknown}", code="2222-2222-2222").status_code == 404

    slot = slots(bookings_stack, "council-tax", working_days(5)[4])[0]
    held = hold(bookings_stack, slot).json()
    call(bookings_stack, "POST", f"/api/v1/bookings/{held['reference']}/confirm",
         json={"name": "Sam", "email": "sam@example.com"},
         headers=secret_header(held["secret"]))
    b.get("/bookings/manage")
    b.submit("/bookings/manage", reference=held["reference"].lower(),
             secret=held["secret"].lower())
    assert b.path == f"/bookings/manage/{held['reference']}?code={held['secret']}"
    assert "Booked" in b.text


def test_a_full_slot_shows_the_nearest_free_times(bookings_stack):
    b = Browser(bookings_stack)
    day = working_days(7)[6]
    times_for(b, day)
    value = b.slot_values()[1]
    office_id, start = value.split("|")
    slot = next(s for s in slots(bookings_stack, "council-tax", day)
                if s["start"] == start and s["office_id"] == office_id)
    for _ in range(slot["remaining"]):
        assert hold(bookings_stack, slot).status_code == 201
    hold_on_page(b, value)
    assert b.page.status_code == 409
    assert "Someone else has just taken the last place at that time" in b.text
    assert 'class="govuk-error-summary' in b.page.text
    assert "These are the nearest free times" in b.text
    alternatives = b.slot_values()
    assert alternatives and value not in alternatives
    hold_on_page(b, alternatives[0])
    assert b.path == "/bookings/details"


def test_book_for_a_housing_case_from_the_outcome_page(bookings_stack):
    stack = bookings_stack
    b = Browser(stack)
    # the person answers the questions (the API stands in for the question pages)
    code, view = start(stack)
    b.get("/housing/triage/resume")
    b.submit("/housing/triage/resume", code=code)
    answer_all(stack, code, renter_answers(), view)
    b.get("/housing/triage/check")
    b.submit("/housing/triage/check")
    assert b.path == "/housing/triage/outcome"
    assert 'action="/bookings/housing"' in b.page.text
    assert "Book an appointment" in b.text
    reference = b.hidden("reference")
    secret = b.hidden("secret")

    # the button: the case goes into a cookie, never into the address
    b.submit("/bookings/housing", reference=reference, secret=secret)
    assert b.path == "/bookings/where?type=housing-options", b.text
    assert secret not in b.page.url
    assert "booking_case" in b.session.cookies.get_dict()
    assert f"You are booking for housing case {reference}" in b.text

    # wait until bookings has heard of the case
    triaged_case_ready(stack, reference, secret)
    b.get("/bookings/times", type="housing-options", office="any", step_free="no",
          when="first")
    assert b.page.status_code == 200, b.text
    values = b.slot_values()
    assert values
    last_day = working_days(5)[-1]
    for value in values:
        day = dt.datetime.fromisoformat(value.split("|")[1]).date()
        assert local_today() - dt.timedelta(days=1) <= day <= last_day

    # dates after the window: other days of it are still free, so no waiting list
    beyond = working_days(12)[-1]
    times_for(b, beyond, type_id="housing-options")
    assert b.page.status_code == 200
    assert "There are no free times on the dates you chose" in b.text
    assert "Join the waiting list" not in b.text

    # a kind of housing appointment nobody is rostered for: nothing free in the
    # window at all, so the waiting list
    put = call(stack, "PUT", "/api/v1/bookings/setup/types/housing-review",
               headers=stack.bearer("sup-pages", ["supervisor"]), json={
                   "name": "Housing review", "duration_minutes": 30, "advisers_at_once": 1,
                   "needs_case": True, "urgencies": ["standard"], "office_ids": ["town-hall"]})
    assert put.status_code == 200, put.text
    b.get("/bookings/times", type="housing-review", office="any", step_free="no",
          when="first")
    assert "There are no free times within the days your case needs an appointment" in b.text
    b.submit("/bookings/waitlist", type="housing-review", office="any", step_free="no")
    assert "You are on the waiting list" in b.text
    assert bookings_day_text(last_day) in b.text

    b.get("/bookings/times", type="housing-options", office="any", step_free="no",
          when="first")
    hold_on_page(b, b.slot_values()[0])
    assert b.path == "/bookings/details", b.text
    b.submit("/bookings/details", name="Sam Jones", email="sam@example.com", interpreter="no")
    assert b.path == "/bookings/confirmation", b.text
    assert "Housing options interview" in b.text
    manage = b.link("manage-link")

    # moving it from another browser asks for the case again: only the case
    # shows which times it may move to
    other = Browser(stack)
    other.get(manage)
    reschedule = re.search(r'href="(/bookings/manage/[^"]+/reschedule\?code=[^"]+)"',
                           other.page.text).group(1)
    other.get(unescape(reschedule))
    assert "we need your case reference and code again" in other.text
    assert other.hidden("next") == unescape(reschedule)
    other.submit("/bookings/housing", reference=reference, secret=secret,
                 next=other.hidden("next"))
    assert other.path == unescape(reschedule), other.text
    assert "Change the time of your appointment" in other.text and other.slot_values()


def triaged_case_ready(stack, reference, secret):
    import time
    for _ in range(60):
        got = call(stack, "GET", "/api/v1/bookings/slots",
                   headers=case_headers(reference, secret),
                   params={"type_id": "housing-options"})
        if got.status_code == 200:
            return
        time.sleep(0.3)
    raise AssertionError("bookings never heard of the case")


def test_a_wrong_case_code_and_an_advice_case(bookings_stack):
    stack = bookings_stack
    reference, code, _ = triaged_case(stack, advice_answers())
    b = Browser(stack)
    b.get("/bookings/housing")
    b.submit("/bookings/housing", reference=reference, secret="2222-2222-2222")
    assert b.page.status_code == 404
    assert "No housing case matches that reference and code" in b.text
    assert "booking_case" not in b.session.cookies.get_dict()
    b.submit("/bookings/housing", reference="HL-12", secret="x")
    assert b.page.status_code == 400
    assert "Enter your case reference as it is shown" in b.text

    b.submit("/bookings/housing", reference=reference, secret=code)
    assert b.page.status_code == 200
    assert "You do not need an appointment" in b.text
    assert "booking_case" not in b.session.cookies.get_dict()

    # without a case, a housing appointment's pages send the person to the form
    assert b.get("/bookings/where", type="housing-options").url.endswith("/bookings/housing")
    assert b.get("/bookings/times", type="housing-options").url.endswith("/bookings/housing")


def test_a_hold_that_ended_is_said_so(bookings_stack):
    b = Browser(bookings_stack)
    day = working_days(9)[8]
    times_for(b, day)
    hold_on_page(b, b.slot_values()[0])
    assert b.path == "/bookings/details"
    assert not urlsplit(b.page.url).query  # nothing secret in the address
    # the hold ends (as it would after 10 minutes): here, staff cancel it
    held = HoldCookie(GATEWAY_SECRET).read(FakeRequest(b.session.cookies.get("booking_hold")))
    ended = call(bookings_stack, "POST", f"/api/v1/bookings/staff/{held['reference']}/cancel",
                 headers=bookings_stack.bearer("cw-pages", ["caseworker"]))
    assert ended.status_code == 200, ended.text
    b.submit("/bookings/details", name="Sam Jones", email="sam@example.com", interpreter="no")
    assert b.page.status_code == 410
    assert "We could not keep that time for you" in b.text
    assert "booking_hold" not in b.session.cookies.get_dict()
    assert b.get("/bookings/details").url.endswith("/bookings")


class FakeRequest:
    def __init__(self, value):
        self.cookies = {"booking_hold": value}


def test_a_held_place_offered_by_message_opens_its_details_page(bookings_stack):
    """The waiting-list offer's link: the held place's reference and code."""
    [slot, *_] = slots(bookings_stack, "council-tax", working_days(4)[3])
    held = hold(bookings_stack, slot)
    assert held.status_code == 201, held.text
    body = held.json()
    browser = Browser(bookings_stack)
    page = browser.get(f"/bookings/offer/{body['reference']}", code=body["secret"])
    assert page.status_code == 200 and browser.path == "/bookings/details"
    assert bookings_day_text(slot["start"]) in browser.text
    assert 'name="email"' in page.text  # the form that confirms it
    wrong = Browser(bookings_stack).get(f"/bookings/offer/{body['reference']}", code="WRONG")
    assert wrong.status_code == 404 and "This link does not work" in wrong.text
