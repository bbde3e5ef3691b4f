"""Bin days, the calendar feed and address search, from the generated borough."""
import datetime as dt

import icalendar
import pytest
from nameko.exceptions import RemoteError

from tests.integration.bins.conftest import CLOCK, pick


@pytest.fixture
def gardener(borough):
    """A zone-1 property (Monday rounds) with garden waste paid to 31 March 2027."""
    return pick(borough, "GDN-0001", garden=dt.date(2027, 3, 31))[0]


def test_bin_days_around_easter_with_garden_waste(bins, gardener):
    CLOCK.set(2026, 4, 1, 12, 0)  # Wednesday before Easter; Monday 6 April is a holiday
    days = bins.bin_days(gardener)
    assert days["uprn"] == gardener
    by_service = {s["service"]: s for s in days["services"]}
    assert list(by_service) == ["refuse", "recycling", "garden", "food"]

    refuse = by_service["refuse"]
    assert refuse["next"][0] == {"date": "2026-04-07", "scheduled_for": "2026-04-06",
                                 "moved": True}
    assert refuse["last"]["date"] == "2026-03-23"
    assert refuse["last"]["status"] == "scheduled"
    assert refuse["report"] == {"allowed": False, "code": "report_window_closed",
                                "reason": refuse["report"]["reason"],
                                "collection_date": "2026-03-23"}

    garden = by_service["garden"]
    assert garden["name"] == "Garden waste"
    assert [c["date"] for c in garden["next"]] == ["2026-04-13", "2026-04-27"]
    assert garden["subscribed_until"] == "2027-03-31"

    food = by_service["food"]
    assert [c["date"] for c in food["next"]] == ["2026-04-07", "2026-04-13", "2026-04-20",
                                                 "2026-04-27"]
    assert food["last"]["date"] == "2026-03-30"
    assert food["report"]["allowed"] is True  # until the end of Wednesday 1 April


def test_last_collection_status_follows_the_crews_records(bins, borough):
    CLOCK.set(2026, 3, 3, 12, 0)
    done, excepted = pick(borough, "FOOD-0002")[:2]
    monday = pick(borough, "FOOD-0001")[0]
    status = {s["service"]: s for s in bins.bin_days(done)["services"]}["food"]
    assert status["last"]["status"] == "still_out"
    assert status["report"]["code"] == "crew_still_working"

    bins.record_exception("crew-3", "FOOD-0002", excepted, "2026-03-03", "contaminated")
    bins.complete_round("crew-3", "FOOD-0002", "2026-03-03")
    status = {s["service"]: s for s in bins.bin_days(done)["services"]}["food"]
    assert status["last"]["status"] == "completed"
    assert status["report"]["allowed"] is True
    other = {s["service"]: s for s in bins.bin_days(excepted)["services"]}["food"]
    assert other["last"]["status"] == "exception"
    assert other["last"]["exception"]["kind"] == "contaminated"
    assert "wrong things in it" in other["last"]["exception"]["reason"]
    assert other["report"]["code"] == "crew_exception_contaminated"

    filed = bins.file_report(monday, "food")
    again = {s["service"]: s for s in bins.bin_days(monday)["services"]}["food"]
    assert again["report"]["code"] == "already_reported"
    assert filed["report"]["reference"] in again["report"]["reason"]
    # a preview of another day
    assert bins.bin_days(monday, today="2026-03-10")["today"] == "2026-03-10"


def test_the_calendar_feed_moves_holiday_collections(bins, gardener):
    CLOCK.set(2026, 4, 1, 12, 0)
    feed = bins.calendar(gardener, weeks=8)
    assert feed["filename"] == f"bin-days-{gardener}.ics"
    cal = icalendar.Calendar.from_ical(feed["ics"])
    assert str(cal["x-wr-calname"]).startswith("Bin days: ")
    events = cal.walk("VEVENT")
    assert len(events) == 20  # 4 refuse, 4 recycling, 4 garden, 8 food in 8 weeks
    starts = {str(e["uid"]): e["dtstart"].dt for e in events}
    # Spring bank holiday, Monday 25 May: that garden collection is on Tuesday
    assert starts[f"{gardener}-garden-20260525@bins.townhall"] == dt.date(2026, 5, 26)
    assert starts[f"{gardener}-refuse-20260406@bins.townhall"] == dt.date(2026, 4, 7)
    assert feed["ics"] == bins.calendar(gardener, weeks=8)["ics"]  # same clock, same text
    with pytest.raises(RemoteError) as err:
        bins.calendar(gardener, weeks=500)
    assert err.value.exc_type == "ValidationError" and "weeks" in err.value.value


def test_find_addresses_takes_any_case_and_spacing(bins, borough):
    first = next(iter(borough["properties"].values()))
    postcode = first["postcode"]
    for typed in (postcode, postcode.lower().replace(" ", ""), f"  {postcode.lower()}  "):
        found = bins.find_addresses(typed)
        assert found["postcode"] == postcode
        assert first["uprn"] in [a["uprn"] for a in found["addresses"]]
    entry = next(a for a in found["addresses"] if a["uprn"] == first["uprn"])
    assert entry["lines"] == first["lines"]
    assert entry["address"] == ", ".join(first["lines"])
    assert bins.find_addresses("SW1A 1AA") == {"postcode": "SW1A 1AA", "addresses": []}
    with pytest.raises(RemoteError) as err:
        bins.find_addresses("not a postcode")
    assert err.value.exc_type == "ValidationError"
    assert "postcode" in err.value.value and "Enter a full UK postcode" in err.value.value
