"""What a triaged case may book, and the cut-offs for changing a booking."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.bookings.domain.model import Office
from services.bookings.domain.window import (
    Window, WindowSettings, accessible, booking_window, can_change, day_text, hold_expires_at,
    normalise_language, outside_window, reminder_due_at, too_late_to_change, waitlist_days)
from services.kit.rules import RuleBroken
from services.council.workdays import england_and_wales

D = dt.date
UTC = dt.timezone.utc
LONDON = ZoneInfo("Europe/London")
CAL = england_and_wales(range(2025, 2029))
SETTINGS = WindowSettings()
PHONE = "020 7946 0000"


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def local(*args):
    return dt.datetime(*args, tzinfo=LONDON)


# (urgency, today, last day, why)
WINDOWS = [
    ("emergency", D(2026, 12, 2), D(2026, 12, 2), "emergency: today only"),
    ("high", D(2026, 12, 2), D(2026, 12, 4), "Wednesday + 2 working days is Friday"),
    ("standard", D(2026, 12, 2), D(2026, 12, 9), "Wednesday + 5 working days"),
    ("high", D(2026, 12, 4), D(2026, 12, 8), "triaged on a Friday: the weekend does not count"),
    ("standard", D(2026, 12, 4), D(2026, 12, 11), "Friday + 5 working days is next Friday"),
    ("high", D(2026, 12, 5), D(2026, 12, 8), "triaged on a Saturday"),
    ("high", D(2026, 12, 24), D(2026, 12, 30),
     "25 and 28 December are bank holidays, so Tuesday 29th and Wednesday 30th"),
    ("standard", D(2026, 12, 23), D(2027, 1, 4),
     "24, 29, 30, 31 December, then New Year's Day is a holiday: Monday 4 January"),
    ("high", D(2026, 4, 2), D(2026, 4, 8), "over Good Friday and Easter Monday"),
    ("emergency", D(2026, 12, 25), D(2026, 12, 25), "an emergency on Christmas Day is still today"),
]


@pytest.mark.parametrize("urgency, today, last_day, why", WINDOWS)
def test_window_by_urgency(urgency, today, last_day, why):
    got = booking_window(urgency, today, CAL, SETTINGS)
    assert got == Window(today, last_day, urgency == "emergency"), why


def test_the_working_days_come_from_settings():
    settings = WindowSettings(high_working_days=1, standard_working_days=10)
    assert booking_window("high", D(2026, 12, 4), CAL, settings).last_day == D(2026, 12, 7)
    assert booking_window("standard", D(2026, 12, 2), CAL, settings).last_day == \
        D(2026, 12, 16)


def test_advice_only_cases_get_no_appointment():
    refused = booking_window("advice", D(2026, 12, 2), CAL, SETTINGS)
    assert isinstance(refused, RuleBroken)
    assert refused.code == "advice_only"
    assert refused.reason.startswith("Your answers mean you do not need an appointment.")
    assert "read the advice" in refused.reason
    assert str(refused) == refused.reason


def test_the_waiting_list_looks_28_days_ahead_without_a_case_window():
    assert waitlist_days(None, D(2026, 12, 2)) == (D(2026, 12, 2), D(2026, 12, 30))


def test_the_waiting_list_keeps_to_what_is_left_of_the_case_window():
    window = Window(D(2026, 12, 2), D(2026, 12, 9), False)
    assert waitlist_days(window, D(2026, 12, 1)) == (D(2026, 12, 2), D(2026, 12, 9))
    assert waitlist_days(window, D(2026, 12, 4)) == (D(2026, 12, 4), D(2026, 12, 9))


@pytest.mark.parametrize("urgency", ["urgent", "", None, "Emergency"])
def test_an_unknown_urgency_is_a_mistake_not_a_refusal(urgency):
    with pytest.raises(ValueError, match="unknown urgency"):
        booking_window(urgency, D(2026, 12, 2), CAL, SETTINGS)


WED_TO_FRI = Window(D(2026, 12, 2), D(2026, 12, 4), False)
TODAY_ONLY = Window(D(2026, 12, 2), D(2026, 12, 2), True)


@pytest.mark.parametrize("window, day, reason", [
    (WED_TO_FRI, D(2026, 12, 2), None),
    (WED_TO_FRI, D(2026, 12, 4), None),
    (WED_TO_FRI, D(2026, 12, 5),
     "You can book up to Friday 4 December 2026. Choose an earlier time."),
    (WED_TO_FRI, D(2027, 1, 4),
     "You can book up to Friday 4 December 2026. Choose an earlier time."),
    (WED_TO_FRI, D(2026, 12, 1),
     "You can book from Wednesday 2 December 2026 up to Friday 4 December 2026. "
     "Choose a later time."),
    (TODAY_ONLY, D(2026, 12, 2), None),
    (TODAY_ONLY, D(2026, 12, 3),
     "You can only book an appointment on Wednesday 2 December 2026. "
     "Choose a time on that day."),
])
def test_outside_window(window, day, reason):
    refused = outside_window(window, day)
    if reason is None:
        assert refused is None
        return
    assert refused.code == "outside_window"
    assert refused.reason == reason


def test_outside_window_wants_the_local_date():
    with pytest.raises(TypeError):
        outside_window(WED_TO_FRI, utc(2026, 12, 3, 10))


@pytest.mark.parametrize("day, text", [
    (D(2026, 12, 4), "Friday 4 December 2026"),
    (D(2027, 1, 1), "Friday 1 January 2027"),
])
def test_day_text(day, text):
    assert day_text(day) == text


# An appointment at 10:00 GMT on Friday 4 December 2026.
START = utc(2026, 12, 4, 10)


@pytest.mark.parametrize("now, allowed, why", [
    (utc(2026, 12, 3, 10), True, "exactly 24 hours before"),
    (utc(2026, 12, 3, 10, 1), False, "23 hours 59 minutes before"),
    (utc(2026, 12, 3, 10, 0, 1), False, "a second too late"),
    (utc(2026, 12, 1, 9), True, "days before"),
    (utc(2026, 12, 4, 11), False, "after it started"),
    (local(2026, 12, 3, 10), True, "the same instant in local time"),
])
def test_change_cut_off(now, allowed, why):
    assert can_change(START, now, SETTINGS) is allowed, why


# Clocks go back at 02:00 BST on Sunday 25 October 2026: 24 hours before
# 10:00 GMT on the Sunday is 11:00 BST on the Saturday, not 10:00.
@pytest.mark.parametrize("now, allowed", [
    (local(2026, 10, 24, 11, 0), True),
    (local(2026, 10, 24, 11, 1), False),
    (local(2026, 10, 24, 10, 0), True),
])
def test_the_cut_off_is_24_real_hours_across_a_clock_change(now, allowed):
    assert can_change(local(2026, 10, 25, 10), now, SETTINGS) is allowed


def test_too_late_to_change_says_what_to_do_instead():
    assert too_late_to_change(START, utc(2026, 12, 3, 10), SETTINGS, PHONE) is None
    refused = too_late_to_change(START, utc(2026, 12, 3, 10, 1), SETTINGS, PHONE)
    assert refused.code == "too_late_to_change"
    assert refused.reason == ("You can only change or cancel up to 24 hours before "
                              "your appointment. Call us instead on 020 7946 0000.")


def test_the_cut_off_message_follows_the_setting():
    refused = too_late_to_change(START, utc(2026, 12, 4, 9, 30),
                                 WindowSettings(change_cutoff_hours=1), "01632 960000")
    assert refused.reason.startswith("You can only change or cancel up to 1 hour before")
    assert refused.reason.endswith("Call us instead on 01632 960000.")


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        can_change(dt.datetime(2026, 12, 4, 10), utc(2026, 12, 1), SETTINGS)
    with pytest.raises(ValueError, match="aware"):
        reminder_due_at(START, dt.datetime(2026, 12, 1), SETTINGS)


def test_a_reminder_is_24_real_hours_before_across_a_clock_change():
    due = reminder_due_at(local(2026, 10, 25, 10), local(2026, 10, 1, 9), SETTINGS)
    assert due == local(2026, 10, 24, 11) == utc(2026, 10, 24, 10)


def test_a_hold_lasts_ten_minutes():
    assert hold_expires_at(utc(2026, 12, 2, 9, 55), SETTINGS) == utc(2026, 12, 2, 10, 5)
    assert hold_expires_at(utc(2026, 12, 2, 9), WindowSettings(hold_minutes=3)) == \
        utc(2026, 12, 2, 9, 3)


@pytest.mark.parametrize("booked_at, due, why", [
    (utc(2026, 12, 1, 9), utc(2026, 12, 3, 10), "booked days ahead: the day before"),
    (utc(2026, 12, 3, 10), utc(2026, 12, 3, 10), "booked exactly 24 hours ahead: now"),
    (utc(2026, 12, 3, 10, 1), None, "booked within 24 hours: no reminder"),
    (utc(2026, 12, 4, 9), None, "booked an hour before"),
])
def test_reminders(booked_at, due, why):
    assert reminder_due_at(START, booked_at, SETTINGS) == due, why


def test_the_reminder_period_follows_the_setting():
    settings = WindowSettings(reminder_hours_before=2)
    assert reminder_due_at(START, utc(2026, 12, 4, 7), settings) == utc(2026, 12, 4, 8)


@pytest.mark.parametrize("changes, message", [
    ({"high_working_days": -1}, "high_working_days must be a whole number of 0 or more"),
    ({"change_cutoff_hours": 1.5}, "change_cutoff_hours must be a whole number"),
    ({"reminder_hours_before": True}, "reminder_hours_before must be a whole number"),
    ({"hold_minutes": 0}, "hold_minutes must be 1 or more"),
])
def test_settings_mistakes(changes, message):
    with pytest.raises(ValueError, match=message):
        WindowSettings(**changes)


def office(step_free):
    return Office("civic", "Civic Centre", "1 High Street", step_free,
                  {0: [("09:00", "17:00")]})


@pytest.mark.parametrize("step_free, needs_step_free, offered", [
    (True, True, True),
    (False, True, False),
    (True, False, True),
    (False, False, True),
])
def test_step_free_need_only_offers_step_free_offices(step_free, needs_step_free, offered):
    assert accessible(office(step_free), needs_step_free) is offered


@pytest.mark.parametrize("text, language", [
    ("polish", "Polish"),
    ("  brazilian   portuguese ", "Brazilian Portuguese"),
    ("BRITISH SIGN LANGUAGE", "British Sign Language"),
    ("serbo-croatian", "Serbo-Croatian"),
    ("português", "Português"),
    ("Tigrinya\t", "Tigrinya"),
    ("ga", "Ga"),
    ("a" * 40, "A" + "a" * 39),
])
def test_normalise_language(text, language):
    assert normalise_language(text) == language


@pytest.mark.parametrize("text", [
    "", "   ", "a", "a" * 41, "Polish1", "French/English", "--", "-Polish", "Polish-",
    "Urdu (Pakistan)", None, 7,
])
def test_a_language_that_cannot_be_right(text):
    with pytest.raises(ValueError, match="^Enter the language, like Polish$"):
        normalise_language(text)
