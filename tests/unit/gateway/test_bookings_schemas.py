"""What the bookings routes accept: the JSON bodies and queries, and the
resident forms, with the messages a person reads."""
import datetime as dt

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from gateway.api.schemas import bookings
from gateway.pages.bookings import cookies, forms
from services.kit import references


def load(schema, data):
    return schema().load(data)


def messages(schema, data):
    with pytest.raises(ValidationError) as caught:
        schema().load(data)
    return caught.value.messages


def test_references_and_codes_are_normalised_or_refused():
    reference = references.new_reference("BK")
    assert bookings.normalise_reference(reference.lower().replace("-", " ")) == reference
    assert bookings.normalise_reference(references.new_reference("HL")) is None
    broken = reference[:-2] + ("00" if reference[-2:] != "00" else "01")
    assert bookings.normalise_reference(broken) is None
    assert bookings.normalise_reference(None) is None
    assert cookies.normalise_code("7k3q m2xa 9prt") == "7K3Q-M2XA-9PRT"
    assert cookies.normalise_code("7K3Q-M2XA") is None
    assert cookies.normalise_code("0000-0000-0000") is None  # no 0 in the alphabet
    assert bookings.housing_reference(references.new_reference("HL").lower())


def test_the_slot_query_has_defaults_and_a_limit():
    today = bookings.today()
    loaded = load(bookings.SlotQuerySchema, {"type_id": "council-tax"})
    assert loaded["first_day"] == today
    assert loaded["last_day"] == today + dt.timedelta(days=bookings.DEFAULT_SEARCH_DAYS - 1)
    assert loaded["office_id"] is None and loaded["step_free"] is False
    assert messages(bookings.SlotQuerySchema, {
        "type_id": "council-tax", "first_day": "2027-01-10", "last_day": "2027-01-01"}) == {
        "last_day": ["The last day must be on or after the first day"]}
    assert messages(bookings.SlotQuerySchema, {
        "type_id": "council-tax", "first_day": "2027-01-01", "last_day": "2027-03-31"}) == {
        "last_day": ["Search up to 62 days at a time"]}
    assert "type_id" in messages(bookings.SlotQuerySchema, {"type_id": "Council Tax"})
    assert "type_id" in messages(bookings.SlotQuerySchema, {})
    assert messages(bookings.SlotQuerySchema, {"type_id": "x", "secret": "y"}) == {
        "secret": ["This field is not recognised"]}
    case = references.new_reference("HL")
    staff = load(bookings.StaffSlotQuerySchema, {"type_id": "housing-options",
                                                 "case_reference": case})
    assert staff["case_reference"] == case
    assert "case_reference" in messages(bookings.StaffSlotQuerySchema, {
        "type_id": "housing-options", "case_reference": "HL-7K3Q"})


def test_a_slot_start_needs_its_offset_and_becomes_utc():
    body = load(bookings.HoldBodySchema, {"office_id": "town-hall", "type_id": "council-tax",
                                          "start": "2026-07-01T09:00:00+01:00"})
    assert body["start"] == "2026-07-01T08:00:00+00:00" and body["step_free"] is False
    assert load(bookings.HoldBodySchema, {"office_id": "a", "type_id": "b",
                                          "start": "2026-12-01T09:00:00Z"})["start"] == \
        "2026-12-01T09:00:00+00:00"
    for start in ("2026-12-01T09:00:00", "tomorrow", 1234, "2026-13-01T09:00:00+00:00"):
        assert "start" in messages(bookings.HoldBodySchema, {
            "office_id": "town-hall", "type_id": "council-tax", "start": start})
    assert "case_reference" in messages(bookings.HoldBodySchema, {
        "office_id": "a", "type_id": "b", "start": "2026-12-01T09:00:00Z",
        "case_reference": "HL-7K3Q-92"})
    case = references.new_reference("HL")
    staff = load(bookings.StaffHoldBodySchema, {
        "office_id": "a", "type_id": "b", "start": "2026-12-01T09:00:00Z",
        "case_reference": case})
    assert staff["case_reference"] == case


def test_confirming_needs_a_name_and_a_way_to_reach_the_person():
    assert messages(bookings.ConfirmBodySchema, {"name": "Sam"}) == {
        "email": ["Enter an email address or a phone number, so we can reach you about "
                  "your appointment"]}
    assert messages(bookings.ConfirmBodySchema, {"name": "  ", "email": "sam@example.com"}) == {
        "name": ["Enter your name"]}
    assert messages(bookings.ConfirmBodySchema, {"name": "Sam", "email": "sam@"}) == {
        "email": ["Enter an email address in the correct format, like name@example.com"]}
    assert messages(bookings.ConfirmBodySchema, {"name": "Sam", "phone": "123"}) == {
        "phone": ["Enter a telephone number, like 01632 960 001 or 07700 900 982"]}
    assert messages(bookings.ConfirmBodySchema, {
        "name": "Sam", "phone": "07700 900982", "interpreter": "Klingon 2"}) == {
        "interpreter": ["Enter the language, like Polish"]}
    body = load(bookings.ConfirmBodySchema, {
        "name": " Sam Jones ", "phone": " 07700 900982 ", "interpreter": "  british sign language",
        "step_free": True})
    assert body == {"name": "Sam Jones", "email": None, "phone": "07700 900982",
                    "step_free": True, "interpreter": "British Sign Language"}


def test_setup_bodies_check_hours_and_ids():
    office = {"name": "Eastgate", "address": "3 East Street", "step_free": False,
              "hours": {"0": [["13:30", "17:00"], ["09:00", "12:30"]]}}
    assert load(bookings.OfficeBodySchema, office)["closures"] == []
    assert "hours" in messages(bookings.OfficeBodySchema, {
        **office, "hours": {"0": [["09:00", "12:30"], ["12:00", "17:00"]]}})
    assert "hours" in messages(bookings.OfficeBodySchema, {**office, "hours": {
        "0": [["17:00", "09:00"]]}})
    assert "hours" in messages(bookings.OfficeBodySchema, {**office, "hours": {
        "7": [["09:00", "17:00"]]}})
    assert "hours" in messages(bookings.OfficeBodySchema, {**office, "hours": {
        "0": [["9am", "5pm"]]}})
    assert messages(bookings.TypeBodySchema, {
        "name": "Drop-in", "duration_minutes": 2, "advisers_at_once": 1,
        "office_ids": ["town-hall"]}) == {
        "duration_minutes": ["An appointment lasts 5 to 480 minutes"]}
    assert "urgencies" in messages(bookings.TypeBodySchema, {
        "name": "Drop-in", "duration_minutes": 15, "advisers_at_once": 1,
        "office_ids": ["town-hall"], "urgencies": ["advice"]})
    assert bookings.with_path_id({"name": "x"}, "eastgate") == {"name": "x", "id": "eastgate"}
    assert bookings.with_path_id({"id": "eastgate"}, "eastgate") == {"id": "eastgate"}
    assert bookings.with_path_id({"id": "westgate"}, "eastgate") is None


def test_the_details_form():
    problems = messages(forms.DetailsForm, MultiDict())
    assert problems == {
        "name": ["Enter your name"],
        "email": ["Enter an email address or a phone number, so we can reach you about "
                  "your appointment"],
        "interpreter": ["Say whether you need an interpreter"]}
    problems = messages(forms.DetailsForm, {"name": "Sam", "email": "nope",
                                               "phone": "12", "interpreter": "yes"})
    assert set(problems) == {"email", "phone", "interpreter-language"}
    assert messages(forms.DetailsForm, {
        "name": "Sam", "phone": "07700 900982", "interpreter": "yes",
        "interpreter-language": "42"}) == {
        "interpreter-language": ["Enter the language, like Polish"]}
    loaded = load(forms.DetailsForm, {
        "name": "Sam Jones", "email": " sam@example.com ", "phone": "", "step_free": "yes",
        "interpreter": "yes", "interpreter-language": "polish", "csrf": "ignored"})
    assert loaded == {"name": "Sam Jones", "email": "sam@example.com", "phone": None,
                      "step_free": True, "interpreter": "Polish"}
    # a language typed before "No" was chosen is not kept
    assert load(forms.DetailsForm, {
        "name": "Sam", "phone": "07700 900982", "interpreter": "no",
        "interpreter-language": "Polish"})["interpreter"] is None


def test_the_case_and_manage_forms_tidy_what_was_typed():
    case = references.new_reference("HL")
    loaded = load(forms.CaseForm, {"reference": case.lower(), "secret": "7k3q m2xa 9prt",
                                      "next": "https://evil.example/"})
    assert loaded == {"reference": case, "secret": "7K3Q-M2XA-9PRT", "next": None}
    assert messages(forms.CaseForm, {"reference": "", "secret": ""}) == {
        "reference": ["Enter your case reference"], "secret": ["Enter your code"]}
    assert messages(forms.CaseForm, {"reference": "HL-12", "secret": "abc"}) == {
        "reference": ["Enter your case reference as it is shown, like HL-7K3Q-92"],
        "secret": ["Enter your code as it is shown, like 7K3Q-M2XA-9PRT"]}
    booking = references.new_reference("BK")
    assert load(forms.ManageForm, {"reference": booking.lower(),
                                      "secret": "7K3QM2XA9PRT"}) == {
        "reference": booking, "secret": "7K3Q-M2XA-9PRT"}
    assert "reference" in messages(forms.ManageForm, {"reference": case,
                                                         "secret": "7K3Q-M2XA-9PRT"})


def test_where_the_case_form_may_send_the_person_next():
    assert forms.safe_next("/bookings/manage/BK-7K3Q-92/reschedule?code=X") == \
        "/bookings/manage/BK-7K3Q-92/reschedule?code=X"
    for path in ("/housing", "//evil.example/bookings/manage/", "https://evil.example",
                 "/bookings/manage/\\evil", None, "/bookings/manage/" + "x" * 400):
        assert forms.safe_next(path) is None


def test_the_hold_form_reads_the_chosen_slot():
    loaded = load(forms.HoldForm, {"slot": "town-hall|2026-12-01T09:00:00+00:00",
                                      "type": "council-tax", "submission": "abc"})
    assert (loaded["office_id"], loaded["start"]) == ("town-hall", "2026-12-01T09:00:00+00:00")
    for slot in ("", "town-hall", "Town Hall|2026-12-01T09:00:00+00:00",
                 "town-hall|2026-12-01T09:00:00", "a|b|c"):
        assert messages(forms.HoldForm, {"slot": slot}) == {"slot": ["Choose a time"]}
    assert messages(forms.HoldForm, {}) == {"slot": ["Choose a time"]}
