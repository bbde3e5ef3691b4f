"""Crews close their rounds and reports; each fact is announced once, and a
crew acts only on its own rounds."""

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ServiceRpcProxy

from services.bins.service import BinsService
from tests.integration.bins.conftest import CLOCK, pick, query


def test_completing_a_round_is_announced_once(bins, listen):
    completed = listen("RoundCompleted")
    first = bins.complete_round("crew-3", "FOOD-0002", "2026-03-03",
                                completed_at="2026-03-03T11:30:00+00:00")
    again = bins.complete_round("crew-3", "FOOD-0002", "2026-03-03")
    assert first["newly_completed"] is True and again["newly_completed"] is False
    assert again["completed_at"] == first["completed_at"] == "2026-03-03T11:30:00+00:00"
    got = completed.collect(2, timeout=1.5, settle=0.3)
    assert len(got) == 1
    assert got[0].headers["round_id"] == "FOOD-0002"
    assert got[0].payload["data"] == {"round_id": "FOOD-0002", "crew_id": "crew-3",
                                      "service": "food", "day": "2026-03-03",
                                      "completed_at": "2026-03-03T11:30:00+00:00"}


def test_a_crew_cannot_act_on_another_crews_round(bins, borough):
    uprn = pick(borough, "FOOD-0006")[0]  # crew-5's Monday round
    calls = [
        lambda: bins.complete_round("crew-3", "FOOD-0006", "2026-03-02"),
        lambda: bins.record_exception("crew-3", "FOOD-0006", uprn, "2026-03-02", "no_access"),
    ]
    for call in calls:
        with pytest.raises(RemoteError) as err:
            call()
        assert err.value.exc_type == "RoundForbidden"
    assert bins.complete_round("crew-3", "FOOD-0006", "2026-03-02",
                               supervisor=True)["round_id"] == "FOOD-0006"
    with pytest.raises(RemoteError) as err:
        bins.complete_round("crew-3", "FOOD-0001", "2026-03-03")  # a Monday round
    assert err.value.exc_type == "RoundRejected"


def test_resolving_a_report_is_announced_and_listed_reports_shrink(bins, borough, listen):
    resolved = listen("ReportResolved")
    uprn = pick(borough, "FOOD-0001")[0]
    filed = bins.file_report(uprn, "food")["report"]

    open_now = bins.list_open_reports("crew-3")
    assert [r["id"] for r in open_now] == [filed["id"]]
    assert open_now[0]["address"] and "secret" not in open_now[0]
    assert bins.list_open_reports("crew-5") == []
    assert bins.list_open_reports("crew-3", day="2026-03-03") == []

    with pytest.raises(RemoteError) as err:
        bins.resolve_report("crew-5", filed["id"], "collected")
    assert err.value.exc_type == "RoundForbidden"
    with pytest.raises(RemoteError) as err:
        bins.resolve_report("crew-3", filed["id"], "not_collected")
    assert err.value.exc_type == "ValidationError" and "reason" in err.value.value

    CLOCK.set(2026, 3, 4, 10, 15)
    done = bins.resolve_report("crew-3", filed["id"], "collected")
    assert done["status"] == "closed" and done["outcome"] == "collected"
    again = bins.resolve_report("crew-3", filed["id"], "collected", supervisor=True)
    assert again == done
    got = resolved.collect(2, timeout=1.5, settle=0.3)
    assert len(got) == 1
    assert got[0].headers["round_id"] == "FOOD-0001"
    assert got[0].payload["data"] == {
        "report_id": filed["id"], "reference": filed["reference"], "round_id": "FOOD-0001",
        "crew_id": "crew-3", "outcome": "collected", "reason": None,
        "resolved_at": "2026-03-04T10:15:00+00:00"}
    assert bins.list_open_reports("crew-3") == []


def test_the_overdue_sweep_announces_each_report_once_across_instances(
        container_factory, bins_config, borough, listen, bins_db):
    overdue = listen("ReportOverdue")
    config = dict(bins_config, OVERDUE_SWEEP_SECONDS=0.05)
    for _ in range(2):
        container_factory(BinsService, config).start()
    uprns = pick(borough, "FOOD-0001")[:3]
    with ServiceRpcProxy("bins", config) as bins:
        ids = {bins.file_report(u, "food")["report"]["id"] for u in uprns[:2]}
        CLOCK.set(2026, 3, 4, 23, 0)  # not due yet: nothing happens
        assert overdue.collect(1, timeout=0.5) == []
        late = bins.file_report(uprns[2], "food")["report"]["id"]  # due end of Thursday
        CLOCK.set(2026, 3, 5, 9, 0)  # past the first two's deadline
        got = overdue.collect(3, timeout=3.0, settle=1.0)  # dozens of sweeps, two instances
    assert sorted(m.payload["data"]["report_id"] for m in got) == sorted(ids)
    assert late not in {m.payload["data"]["report_id"] for m in got}
    assert {m.headers["round_id"] for m in got} == {"FOOD-0001"}
    rows = query(bins_db,
                 "SELECT count(*) AS n FROM reports WHERE overdue_announced_at IS NOT NULL")
    assert rows[0]["n"] == 2


def test_a_completion_time_must_be_on_the_day_and_not_in_the_future(bins):
    # The clock stands at Tuesday 3 March 2026, 12:00 in London.
    for completed_at, code in (("2026-03-04T09:00:00+00:00", "completed_in_future"),
                               ("2026-03-01T16:00:00+00:00", "completed_on_another_day")):
        with pytest.raises(RemoteError) as err:
            bins.complete_round("crew-3", "FOOD-0001", "2026-03-02", completed_at=completed_at)
        assert err.value.exc_type == "RoundRejected"
        assert code in err.value.value
    # Marked the day after, with no time: recorded at the default opening time.
    done = bins.complete_round("crew-3", "FOOD-0001", "2026-03-02")
    assert done["completed_at"] == "2026-03-02T17:00:00+00:00"


def test_dates_out_of_range_are_refused_in_words_not_a_crash(bins, borough):
    uprn = pick(borough, "FOOD-0001")[0]
    for call in (lambda: bins.file_report(uprn, "food", collection_date="0001-01-01"),
                 lambda: bins.file_report(uprn, "food", collection_date="9999-12-31"),
                 lambda: bins.complete_round("crew-3", "FOOD-0001", "0001-01-01"),
                 lambda: bins.open311_requests({"start_date": "9999-12-01T00:00:00Z"})):
        with pytest.raises(RemoteError) as err:
            call()
        assert err.value.exc_type == "ValidationError"
        assert "between 2000 and 2099" in err.value.value
