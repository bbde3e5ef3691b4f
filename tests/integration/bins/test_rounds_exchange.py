"""Listening to one round: a queue bound to bins.rounds with the round's id
gets that round's events, promptly, and no other round's."""
import time

from nameko.standalone.rpc import ServiceRpcProxy

from services.bins.service import BinsService
from tests.integration.bins.conftest import pick


def test_a_round_subscriber_sees_its_round_only(container_factory, bins_config, borough,
                                                listen):
    mine = listen(round_id="FOOD-0001")
    container_factory(BinsService, bins_config).start()
    with ServiceRpcProxy("bins", bins_config) as bins:
        # round Y (FOOD-0002, Tuesday) finishes and gets a report first
        bins.complete_round("crew-3", "FOOD-0002", "2026-03-03",
                            completed_at="2026-03-03T11:00:00+00:00")
        bins.file_report(pick(borough, "FOOD-0002")[0], "food")
        assert mine.collect(1, timeout=0.5) == []

        uprn = pick(borough, "FOOD-0001")[0]
        bins.file_report(uprn, "food")
        filed_at = time.monotonic()
        got = mine.collect(1, timeout=1.0)
        arrived = time.monotonic() - filed_at
    assert len(got) == 1, "round X's report did not arrive within a second"
    assert arrived < 1.0
    assert got[0].payload["event_type"] == "ReportFiled"
    assert got[0].payload["data"]["uprn"] == uprn
    assert got[0].headers["round_id"] == "FOOD-0001"
    assert mine.collect(1, timeout=0.3) == []
