"""Offices, appointment types and advisers: their stored form and the
mistakes in it that are refused before they can make a bad slot."""
import datetime as dt

import pytest

from services.bookings.domain.model import (Adviser, AppointmentType, Office, Slot, case_types,
                                           missing_references)

T = dt.time
UTC = dt.timezone.utc

OFFICE = {
    "id": "civic", "name": "Civic Centre", "address": "1 High Street, ZZ1 0AA",
    "step_free": True,
    "hours": {"0": [["09:00", "12:30"], ["13:30", "17:00"]], "4": [["09:00", "16:30"]]},
    "closures": ["2026-12-24"],
}
TYPE = {
    "id": "housing_options", "name": "Housing options", "duration_minutes": 60,
    "buffer_minutes": 15, "office_ids": ["civic"], "advisers_at_once": 2, "needs_case": True,
}
ADVISER = {"id": "adv-1", "office_id": "civic", "type_ids": ["housing_options"],
           "pattern": {"0": [["09:00", "17:00"]]}}


def with_(base, **changes):
    return {**base, **changes}


def without(base, key):
    return {k: v for k, v in base.items() if k != key}


def test_an_office_from_its_stored_form():
    office = Office.from_dict(OFFICE)
    assert office.hours == {0: ((T(9), T(12, 30)), (T(13, 30), T(17))), 4: ((T(9), T(16, 30)),)}
    assert office.closures == frozenset({dt.date(2026, 12, 24)})
    assert office.spans_on(2) == ()
    assert Office.from_dict(office.to_dict()) == office


def test_hours_are_read_only_and_an_office_can_still_be_a_dict_key():
    office = Office.from_dict(OFFICE)
    with pytest.raises(TypeError):
        office.hours[5] = ((T(9), T(12)),)
    assert {office: 1}[Office.from_dict(OFFICE)] == 1


@pytest.mark.parametrize("key", [0, "0", "monday", "Monday", " MONDAY "])
def test_weekdays_by_number_or_name(key):
    office = Office.from_dict(with_(OFFICE, hours={key: [["09:00", "17:00"]]}))
    assert office.hours == {0: ((T(9), T(17)),)}


def test_spans_are_kept_in_order_and_days_without_any_left_out():
    office = Office.from_dict(with_(OFFICE, hours={
        "1": [["13:30", "17:00"], [T(9), T(12, 30)]], "2": []}))
    assert office.hours == {1: ((T(9), T(12, 30)), (T(13, 30), T(17)))}


def test_step_free_is_never_assumed_and_closures_are_optional():
    office = Office.from_dict(without(without(OFFICE, "step_free"), "closures"))
    assert office.step_free is False
    assert office.closures == frozenset()


def test_an_appointment_type_from_its_stored_form():
    kind = AppointmentType.from_dict(TYPE)
    assert kind.office_ids == frozenset({"civic"})
    assert kind.duration == dt.timedelta(minutes=60)
    assert kind.buffer == dt.timedelta(minutes=15)
    assert AppointmentType.from_dict(kind.to_dict()) == kind


def test_appointment_type_defaults():
    kind = AppointmentType.from_dict({"id": "council_tax", "name": "Council Tax",
                                      "duration_minutes": 20, "office_ids": ["civic"]})
    assert (kind.buffer_minutes, kind.advisers_at_once, kind.needs_case) == (0, 1, False)


def test_an_adviser_from_its_stored_form():
    adviser = Adviser.from_dict(ADVISER)
    assert adviser.spans_on(0) == ((T(9), T(17)),)
    assert adviser.type_ids == frozenset({"housing_options"})
    assert Adviser.from_dict(adviser.to_dict()) == adviser


@pytest.mark.parametrize("data, message", [
    (with_(OFFICE, hours={"0": [["17:00", "09:00"]]}),
     "office civic hours on Monday: 09:00 must be after 17:00"),
    (with_(OFFICE, hours={"0": [["09:00", "09:00"]]}),
     "office civic hours on Monday: 09:00 must be after 09:00"),
    (with_(OFFICE, hours={"0": [["09:00", "13:00"], ["12:30", "17:00"]]}),
     "office civic hours on Monday overlap: 12:30 to 17:00 starts before 13:00"),
    (with_(OFFICE, hours={"0": [["9am", "5pm"]]}), "is not a time: use the 24-hour clock"),
    (with_(OFFICE, hours={"0": [["25:00", "26:00"]]}), "'25:00' is not a time of day"),
    (with_(OFFICE, hours={"0": [["09:00", "12:00", "17:00"]]}), "must be [start, end] pairs"),
    (with_(OFFICE, hours={"0": "09:00-17:00"}), "must be a list of [start, end] pairs"),
    (with_(OFFICE, hours={"7": [["09:00", "17:00"]]}), "'7' is not a weekday"),
    (with_(OFFICE, hours={"funday": [["09:00", "17:00"]]}), "'funday' is not a weekday"),
    (with_(OFFICE, hours={0: [["09:00", "12:00"]], "monday": [["13:00", "17:00"]]}),
     "hours on Monday are given twice"),
    (with_(OFFICE, hours=[["09:00", "17:00"]]), "must map weekdays to lists of times"),
    (with_(OFFICE, closures=["24/12/2026"]), "'24/12/2026' is not a date: use YYYY-MM-DD"),
    (with_(OFFICE, closures="2026-12-24"), "closures must be a list of dates"),
    (with_(OFFICE, step_free="yes"), "step_free must be true or false"),
    (with_(OFFICE, name=" "), "office civic name must be some text"),
    (without(OFFICE, "hours"), "office is missing hours"),
])
def test_office_mistakes(data, message):
    with pytest.raises(ValueError) as caught:
        Office.from_dict(data)
    assert message in str(caught.value)


@pytest.mark.parametrize("changes, message", [
    ({"duration_minutes": 0}, "must last more than 0 and at most 480 minutes (8 hours), not 0"),
    ({"duration_minutes": -30}, "not -30"),
    ({"duration_minutes": 481}, "not 481"),
    ({"duration_minutes": "60"}, "duration_minutes must be a whole number"),
    ({"duration_minutes": True}, "duration_minutes must be a whole number"),
    ({"buffer_minutes": -1}, "buffer must be 0 to 120 minutes, not -1"),
    ({"buffer_minutes": 121}, "buffer must be 0 to 120 minutes, not 121"),
    ({"advisers_at_once": 0}, "advisers_at_once must be 1 or more, not 0"),
    ({"office_ids": "civic"}, "office_ids must be a list of ids"),
    ({"needs_case": "no"}, "needs_case must be true or false"),
])
def test_appointment_type_mistakes(changes, message):
    with pytest.raises(ValueError) as caught:
        AppointmentType.from_dict(with_(TYPE, **changes))
    assert message in str(caught.value)
    assert "appointment type housing_options" in str(caught.value)


@pytest.mark.parametrize("duration, buffer", [(1, 0), (480, 120)])
def test_appointment_type_limits_are_inclusive(duration, buffer):
    kind = AppointmentType.from_dict(with_(TYPE, duration_minutes=duration,
                                           buffer_minutes=buffer))
    assert (kind.duration_minutes, kind.buffer_minutes) == (duration, buffer)


@pytest.mark.parametrize("data, message", [
    (with_(ADVISER, pattern={"0": [["12:00", "09:00"]]}),
     "adviser adv-1 pattern on Monday: 09:00 must be after 12:00"),
    (with_(ADVISER, type_ids="housing_options"), "type_ids must be a list of ids"),
    (without(ADVISER, "office_id"), "adviser is missing office_id"),
    ("adv-1", "adviser must be a mapping"),
])
def test_adviser_mistakes(data, message):
    with pytest.raises(ValueError) as caught:
        Adviser.from_dict(data)
    assert message in str(caught.value)


def test_a_slot_keeps_utc_and_knows_its_key():
    from zoneinfo import ZoneInfo
    london = ZoneInfo("Europe/London")
    slot = Slot("civic", "housing_options", dt.datetime(2026, 7, 1, 10, tzinfo=london),
                dt.datetime(2026, 7, 1, 11, tzinfo=london), 2)
    assert slot.start == dt.datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert slot.start.tzinfo is UTC
    assert slot.key == ("civic", "housing_options", dt.datetime(2026, 7, 1, 9, tzinfo=UTC))
    assert slot.local_start(london).hour == 10
    assert slot.local_end(london).hour == 11


@pytest.mark.parametrize("start, end, capacity, message", [
    (dt.datetime(2026, 7, 1, 9), dt.datetime(2026, 7, 1, 10), 1, "must be an aware datetime"),
    (dt.datetime(2026, 7, 1, 9, tzinfo=UTC), dt.datetime(2026, 7, 1, 9, tzinfo=UTC), 1,
     "must end after it starts"),
    (dt.datetime(2026, 7, 1, 9, tzinfo=UTC), dt.datetime(2026, 7, 1, 10, tzinfo=UTC), -1,
     "cannot be negative"),
])
def test_slot_mistakes(start, end, capacity, message):
    with pytest.raises(ValueError) as caught:
        Slot("civic", "housing_options", start, end, capacity)
    assert message in str(caught.value)


def test_which_type_a_triaged_case_books():
    def kind(type_id, needs_case):
        return AppointmentType(id=type_id, name=type_id, duration_minutes=30,
                               buffer_minutes=0, office_ids=["town-hall"],
                               advisers_at_once=1, needs_case=needs_case)
    types = [kind("housing-options", True), kind("housing-emergency", True),
             kind("council-tax", False), kind("a-housing-spare", True)]
    urgencies = {"housing-options": frozenset({"high", "standard"}),
                 "housing-emergency": frozenset({"emergency"}),
                 "council-tax": frozenset({"standard"}),
                 "a-housing-spare": frozenset()}
    assert case_types(types, urgencies) == {"emergency": "housing-emergency",
                                            "high": "housing-options",
                                            "standard": "housing-options"}
    urgencies["a-housing-spare"] = frozenset({"high"})
    assert case_types(types, urgencies)["high"] == "a-housing-spare"


def test_a_setup_change_names_only_offices_and_types_that_exist():
    offices, types = {"town-hall"}, {"council-tax"}
    assert missing_references("type", {"office_ids": ["town-hall", "mars"]},
                              offices, types) == {"office_ids": ["There is no office mars"]}
    assert missing_references("adviser", {
        "office_id": "mars", "type_ids": ["council-tax", "tea"]}, offices, types) == {
        "office_id": ["There is no office mars"],
        "type_ids": ["There is no appointment type tea"]}
    assert missing_references("office", {}, offices, types) == {}
