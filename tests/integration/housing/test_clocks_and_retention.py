"""Legal clocks fire once each, not again after a restart nor from a second
instance; old closed cases are anonymised; answers never reach the logs."""
import json

import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import entrypoint_hook

from services.housing.service import HousingService
from tests.integration.housing.conftest import CLOCK, query, triage


def sweep(container):
    with entrypoint_hook(container, "fire_due_clocks") as fire:
        return fire()


def escalations(got):
    return [(m.payload["data"]["clock"], m.payload["data"]["escalate_to"]) for m in got]


def test_an_unassigned_emergency_escalates_once_even_across_a_restart(
        housing, listen, container_factory, housing_config):
    escalated = listen("CaseEscalated")
    triage(housing, sleep_tonight="rough")

    assert sweep(housing.container) == 0          # 10:00, nothing due yet
    CLOCK.advance(minutes=16)
    assert sweep(housing.container) == 1
    assert sweep(housing.container) == 0
    housing.container.stop()
    restarted = container_factory(HousingService, housing_config)
    restarted.start()
    assert sweep(restarted) == 0

    CLOCK.advance(days=1)                          # past the respond-by day, still unassigned
    assert sweep(restarted) == 1
    got = escalated.collect(2, settle=0.5)
    assert escalations(got) == [("emergency_unassigned", "supervisors"),
                                ("respond_by_passed", "supervisors")]


def test_assigning_stops_the_waiting_clocks(housing, listen, housing_db):
    escalated = listen("CaseEscalated")
    triage(housing, sleep_tonight="rough")
    case_id = housing.list_queue("cw-1")["cases"][0]["case_id"]
    housing.assign_case("cw-1", case_id)
    CLOCK.advance(days=2)
    assert sweep(housing.container) == 0
    assert escalated.collect(1, timeout=0.5) == []
    rows = query(housing_db, "SELECT kind, fired_at, cancelled_at FROM clocks ORDER BY kind")
    state = {r["kind"]: (r["fired_at"] is not None, r["cancelled_at"] is not None)
             for r in rows}
    # the 56-day relief duty still counts down; nobody is waiting any more
    assert state == {"duty_ending": (False, False), "emergency_unassigned": (False, True),
                     "respond_by_passed": (False, True)}


def test_notice_and_duty_clocks_fire_seven_days_before(housing, listen):
    escalated = listen("CaseEscalated")
    triage(housing)                                # notice ends in 40 days, prevention duty
    case_id = housing.list_queue("cw-1")["cases"][0]["case_id"]
    housing.assign_case("cw-1", case_id)

    CLOCK.advance(days=32)
    assert sweep(housing.container) == 0
    CLOCK.advance(days=1)                          # 7 days before the notice ends
    assert sweep(housing.container) == 1
    CLOCK.advance(days=16)                         # 7 days before the 56-day duty ends
    assert sweep(housing.container) == 1
    got = escalated.collect(2, settle=0.5)
    assert escalations(got) == [("notice_expiring", "caseworker"),
                                ("duty_ending", "caseworker")]
    assert {m.payload["data"]["caseworker_id"] for m in got} == {"cw-1"}


def test_two_instances_fire_each_clock_once(housing, listen, container_factory,
                                            housing_config, housing_db):
    escalated = listen("CaseEscalated")
    for _ in range(6):
        triage(housing, sleep_tonight="rough")
    # two more instances whose timers sweep every 20 ms, racing each other
    eager = dict(housing_config, CLOCK_SWEEP_SECONDS=0.02)
    for _ in range(2):
        container_factory(HousingService, eager).start()

    CLOCK.advance(minutes=20)
    got = escalated.collect(6, timeout=5, settle=1.0)

    assert len(got) == 6
    assert len({m.payload["data"]["case_id"] for m in got}) == 6
    assert query(housing_db, "SELECT count(*) AS n FROM clocks "
                             "WHERE fired_at IS NOT NULL")[0]["n"] == 6


def test_closed_cases_are_anonymised_after_the_retention_period(housing, housing_db):
    submitted = triage(housing)
    case_id = housing.list_queue("cw-1")["cases"][0]["case_id"]
    housing.add_note("cw-1", case_id, "Spoke to Mrs Example at 12 Example Road.")
    housing.close_case("cw-1", case_id, "advice_given")

    with entrypoint_hook(housing.container, "anonymise_closed_cases") as anonymise:
        assert anonymise() == 0
        CLOCK.advance(days=731)
        assert anonymise() == 1

    row = query(housing_db, "SELECT answers, statistics, urgency, duty, anonymised_at "
                            "FROM cases")[0]
    assert row["answers"] is None and row["anonymised_at"] is not None
    assert (row["urgency"], row["duty"]) == ("standard", "prevention")
    stats = json.dumps(row["statistics"])
    assert "resident@example.com" not in stats and "07700" not in stats
    assert row["statistics"]["reason"] == "end_of_private_tenancy"
    notes = query(housing_db, "SELECT text FROM case_notes")
    assert notes == [{"text": None}]
    # the outcome keeps its codes, not its words (which repeat the answers)
    outcome = query(housing_db, "SELECT outcome FROM cases")[0]["outcome"]
    assert outcome["reasons"] and all(r["text"] == "" for r in outcome["reasons"])
    assert outcome["notice_expires_on"] is None
    # the person can still see how it ended
    status = housing.case_status(submitted["case"]["reference"], submitted["secret"])
    assert status["closed_outcome"] == "advice_given"
    with pytest.raises(RemoteError) as err:
        housing.add_note("cw-1", case_id, "More about the family")
    assert err.value.exc_type == "CaseRejected"
