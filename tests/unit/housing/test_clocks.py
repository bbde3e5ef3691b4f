"""Legal clocks: when each falls due, across the clock changes, and who
hears about it."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.housing.domain.clocks import (
    KINDS, Clock, ClockSettings, escalate_to, schedule, should_fire)
from services.housing.domain.triage import assess
from services.council.workdays import england_and_wales

LONDON = ZoneInfo("Europe/London")
UTC = dt.timezone.utc
SETTINGS = ClockSettings()


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def local(*args):
    return dt.datetime(*args, tzinfo=LONDON)


def outcome(urgency="standard", respond_by="2026-10-23", notice=None, duty_ends=None):
    # The stored (to_dict) form: only what the clocks read matters here.
    return {"urgency": urgency, "respond_by": respond_by, "notice_expires_on": notice,
            "duty_ends_on": duty_ends}


def kinds(clocks):
    return {c.kind: c.due_at for c in clocks}


# Clocks go back at 02:00 BST on Sunday 25 October 2026: before then local
# midnight is 23:00 UTC the evening before, afterwards it is 00:00 UTC.
@pytest.mark.parametrize("respond_by, due", [
    ("2026-10-23", utc(2026, 10, 23, 23, 0)),   # Friday: midnight BST
    ("2026-10-24", utc(2026, 10, 24, 23, 0)),   # ends at 00:00 BST on the change day
    ("2026-10-25", utc(2026, 10, 26, 0, 0)),    # the 25-hour day ends at midnight GMT
    ("2026-10-26", utc(2026, 10, 27, 0, 0)),
])
def test_respond_by_passes_at_the_end_of_the_local_day(respond_by, due):
    got = kinds(schedule(outcome(respond_by=respond_by), utc(2026, 10, 1, 9)))
    assert got["respond_by_passed"] == due


@pytest.mark.parametrize("notice, due", [
    ("2026-11-01", utc(2026, 10, 24, 23, 0)),   # warn on the change day, at 00:00 BST
    ("2026-11-02", utc(2026, 10, 26, 0, 0)),    # the day after, at 00:00 GMT
    ("2026-10-31", utc(2026, 10, 23, 23, 0)),
])
def test_notice_warning_a_week_before_across_the_change(notice, due):
    got = kinds(schedule(outcome(notice=notice), utc(2026, 10, 1, 9)))
    assert got["notice_expiring"] == due
    assert got["notice_expiring"].astimezone(LONDON).time() == dt.time(0, 0)


def test_duty_ending_warning_across_the_change():
    got = kinds(schedule(outcome(duty_ends="2026-11-01"), utc(2026, 9, 6, 9)))
    assert got["duty_ending"] == local(2026, 10, 25, 0, 0) == utc(2026, 10, 24, 23, 0)


def test_spring_change_too():
    # Clocks go forward at 01:00 GMT on Sunday 29 March 2026.
    # Midnight on the 29th is still GMT; midnight on the 30th is BST.
    got = kinds(schedule(outcome(respond_by="2026-03-28", notice="2026-04-05"),
                         utc(2026, 3, 1, 9)))
    assert got["respond_by_passed"] == utc(2026, 3, 29, 0, 0)
    assert got["notice_expiring"] == utc(2026, 3, 29, 0, 0)
    got = kinds(schedule(outcome(respond_by="2026-03-29", notice="2026-04-06"),
                         utc(2026, 3, 1, 9)))
    assert got["respond_by_passed"] == utc(2026, 3, 29, 23, 0)
    assert got["notice_expiring"] == utc(2026, 3, 29, 23, 0)


@pytest.mark.parametrize("triaged_at, unassigned, respond_by_passed", [
    # 01:30 BST, the first time round on the change day
    (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 45), utc(2026, 10, 26, 0, 0)),
    # 01:30 GMT, the second time round
    (utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 1, 45), utc(2026, 10, 26, 0, 0)),
    # 23:55 BST on the Saturday: still the Saturday locally
    (utc(2026, 10, 24, 22, 55), utc(2026, 10, 24, 23, 10), utc(2026, 10, 24, 23, 0)),
])
def test_an_emergency_on_the_change_weekend(triaged_at, unassigned, respond_by_passed):
    local_day = triaged_at.astimezone(LONDON).date()
    got = kinds(schedule(outcome("emergency", respond_by=local_day.isoformat()), triaged_at))
    assert got["emergency_unassigned"] == unassigned
    assert got["respond_by_passed"] == respond_by_passed


def test_an_emergency_is_unassigned_after_15_minutes_and_only_emergencies():
    at = utc(2026, 6, 1, 10, 0)
    assert kinds(schedule(outcome("emergency", "2026-06-01"), at))["emergency_unassigned"] \
        == utc(2026, 6, 1, 10, 15)
    for urgency in ("high", "standard", "advice"):
        assert "emergency_unassigned" not in kinds(schedule(outcome(urgency, "2026-06-05"), at))
    custom = ClockSettings(emergency_unassigned_minutes=5)
    assert kinds(schedule(outcome("emergency", "2026-06-01"), at, custom))[
        "emergency_unassigned"] == utc(2026, 6, 1, 10, 5)


@pytest.mark.parametrize("notice, due", [
    ("2026-06-20", local(2026, 6, 13, 0, 0)),     # warning still ahead
    ("2026-06-08", utc(2026, 6, 1, 10, 0)),       # warning moment has passed: due now
    ("2026-06-01", utc(2026, 6, 1, 10, 0)),       # expires today: due now
    ("2026-05-31", None),                         # already expired: nothing to warn of
])
def test_notice_expiring(notice, due):
    got = kinds(schedule(outcome(respond_by="2026-06-05", notice=notice),
                         utc(2026, 6, 1, 10, 0)))
    assert got.get("notice_expiring") == due


def test_the_triage_date_is_the_local_one():
    # 23:30 UTC on 30 June is already 1 July in London, so a notice that
    # expires on 30 June has expired.
    at = utc(2026, 6, 30, 23, 30)
    assert "notice_expiring" not in kinds(schedule(outcome(respond_by="2026-07-03",
                                                           notice="2026-06-30"), at))
    assert "notice_expiring" in kinds(schedule(outcome(respond_by="2026-07-03",
                                                       notice="2026-07-01"), at))


def test_clocks_from_a_real_outcome_or_its_stored_form():
    cal = england_and_wales([2026, 2027])
    answers = {"route": "self", "sleep_tonight": "own_home", "risk_of_violence": "no",
               "asked_to_leave": "yes", "how_asked": "section_8",
               "notice_served_on": "2026-10-01", "leave_date": "2026-11-20",
               "reason": "rent_arrears", "applicant_age": 40, "other_adults": 0,
               "pregnant": "no", "dependent_children": 0, "health": ["none"],
               "background": ["none"], "local_connection": ["live"]}
    result = assess(answers, dt.date(2026, 10, 20), cal)
    at = local(2026, 10, 20, 14, 0)
    clocks = schedule(result, at)
    assert clocks == schedule(result.to_dict(), at)
    assert clocks == [
        Clock("respond_by_passed", local(2026, 10, 28, 0, 0)),   # end of Tue 27 (5 days)
        Clock("notice_expiring", local(2026, 11, 13, 0, 0)),
        Clock("duty_ending", local(2026, 12, 8, 0, 0)),          # 15 December less 7
    ]
    assert all(c.due_at.tzinfo is UTC for c in clocks)


def test_warn_days_is_a_setting():
    got = kinds(schedule(outcome(notice="2026-06-20"), utc(2026, 6, 1, 10),
                         ClockSettings(warn_days_before=3)))
    assert got["notice_expiring"] == local(2026, 6, 17, 0, 0)


def test_triaged_at_must_be_aware():
    with pytest.raises(ValueError):
        schedule(outcome(), dt.datetime(2026, 6, 1, 10))


@pytest.mark.parametrize("kind, status, assigned_to, fires", [
    ("notice_expiring", "open", None, True),
    ("notice_expiring", "open", "cw-1", True),
    ("notice_expiring", "closed", "cw-1", False),
    ("duty_ending", "open", None, True),
    ("duty_ending", "open", "cw-1", True),
    ("duty_ending", "closed", None, False),
    ("respond_by_passed", "open", None, True),
    ("respond_by_passed", "open", "cw-1", False),
    ("respond_by_passed", "closed", None, False),
    ("emergency_unassigned", "open", None, True),
    ("emergency_unassigned", "open", "cw-1", False),
    ("emergency_unassigned", "closed", None, False),
])
def test_should_fire(kind, status, assigned_to, fires):
    assert should_fire(kind, status, assigned_to) is fires


@pytest.mark.parametrize("kind, assigned_to, who", [
    ("emergency_unassigned", None, "supervisors"),
    ("emergency_unassigned", "cw-1", "supervisors"),
    ("respond_by_passed", None, "supervisors"),
    ("respond_by_passed", "cw-1", "supervisors"),
    ("notice_expiring", "cw-1", "caseworker"),
    ("notice_expiring", None, "supervisors"),
    ("duty_ending", "cw-1", "caseworker"),
    ("duty_ending", None, "supervisors"),
])
def test_escalate_to(kind, assigned_to, who):
    assert escalate_to(kind, assigned_to) == who


def test_unknown_kinds_are_refused():
    assert len(KINDS) == 4
    with pytest.raises(ValueError):
        should_fire("tea_break", "open", None)
    with pytest.raises(ValueError):
        escalate_to("tea_break", None)
