"""The booking pages in headless Chromium, against a real gateway and the
real bookings and housing services: a resident books a time (the error
summary on the way), downloads the calendar file, changes the time and
cancels; and a person who has just asked for help with housing books from
the outcome page, within the days their case allows. The browser steps are
in scenarios.py (see conftest.py for why)."""
from tests.support.bookings_stack import call, working_days
from tests.support.housing_stack import answer_all, renter_answers, secret_header, start


def test_book_download_the_calendar_change_and_cancel(browse, bookings_stack):
    day, later = working_days(4)[2:4]
    result = browse("book_change_and_cancel", bookings_stack.base_url, day=day.isoformat(),
                    later=later.isoformat())
    assert result["first"] != result["moved_to"]
    booking = call(bookings_stack, "GET", f"/api/v1/bookings/{result['reference']}",
                   headers=secret_header(result["code"])).json()
    # moved once, then cancelled: each change a new calendar SEQUENCE
    assert booking["status"] == "cancelled" and booking["sequence"] >= 1
    assert booking["interpreter"] == "Polish"
    assert f"{booking['office_id']}|{booking['start']}" == result["moved_to"]


def test_book_from_the_housing_outcome_page(browse, bookings_stack):
    code, view = start(bookings_stack)
    answer_all(bookings_stack, code, renter_answers(), view)
    result = browse("housing_outcome_to_booking", bookings_stack.base_url, resume_code=code)
    assert result["reference"].startswith("HL-") and result["booking"].startswith("BK-")
    office_id, start_at = result["slot"].split("|")
    day = start_at[:10]
    listed = call(bookings_stack, "GET",
                  f"/api/v1/bookings/staff/offices/{office_id}/day/{day}",
                  headers=bookings_stack.bearer("cw-browser", ["caseworker"])).json()["bookings"]
    mine = next(b for b in listed if b["reference"] == result["booking"])
    assert mine["type_id"] == "housing-options" and mine["case_id"]
    assert mine["step_free"] is True
    assert day <= working_days(5)[-1].isoformat()
