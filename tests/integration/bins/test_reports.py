"""Filing missed-collection reports: the rules reach the caller, a filing is
announced exactly once, and duplicates and retries never make a second report."""
import datetime as dt
import json

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ServiceRpcProxy

from services.bins.contract import REFERENCE_PREFIX
from services.kit.references import new_reference
from services.bins.service import BinsService
from tests.integration.bins.conftest import CLOCK, pick, query

# Tuesday 3 March 2026, noon (the clock bins_config sets). FOOD-0001 is a
# weekly Monday round: Monday 2 March is open for reports until the end of
# Wednesday. FOOD-0002 is the Tuesday round, still out at noon.
MONDAY = dt.date(2026, 3, 2)


def rejection(call):
    with pytest.raises(RemoteError) as err:
        call()
    assert err.value.exc_type == "ReportRejected"
    return json.loads(err.value.value)


def test_filing_publishes_report_filed_exactly_once(bins, borough, listen, bins_db):
    filed = listen("ReportFiled")
    uprn = pick(borough, "FOOD-0001")[0]

    answer = bins.file_report(uprn, "food")

    assert answer["created"] is True
    report = answer["report"]
    assert report["collection_date"] == "2026-03-02"
    assert report["status"] == "open"
    assert report["due_by"] == "2026-03-05T00:00:00+00:00"  # end of the next working day
    assert len(answer["secret"]) >= 20
    got = filed.collect(1, settle=0.5)
    assert len(got) == 1
    assert got[0].headers["round_id"] == "FOOD-0001"
    data = got[0].payload["data"]
    assert data == {"report_id": report["id"], "reference": report["reference"],
                    "uprn": uprn, "service": "food", "collection_date": "2026-03-02",
                    "round_id": "FOOD-0001", "crew_id": "crew-3",
                    "due_by": "2026-03-05T00:00:00+00:00"}
    stored = query(bins_db, "SELECT secret_sha256 FROM reports")[0]["secret_sha256"]
    assert answer["secret"].encode() not in bytes(stored)


def test_a_filing_that_rolls_back_publishes_nothing(bins, borough, listen, bins_db):
    filed = listen("ReportFiled")
    doomed, fine = pick(borough, "FOOD-0001")[:2]
    # A check that fails only at commit: the report and its event were both written.
    query(bins_db, f"""
        CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.uprn = '{doomed}' THEN RAISE EXCEPTION 'refused at commit'; END IF;
          RETURN NEW;
        END $$;
        CREATE CONSTRAINT TRIGGER test_refuse AFTER INSERT ON reports
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse();""")
    try:
        with pytest.raises(RemoteError):
            bins.file_report(doomed, "food")
        bins.file_report(fine, "food")
    finally:
        query(bins_db, "DROP TRIGGER test_refuse ON reports; DROP FUNCTION test_refuse()")
    got = filed.collect(2, timeout=2.0, settle=0.5)
    assert [m.payload["data"]["uprn"] for m in got] == [fine]
    assert query(bins_db, "SELECT count(*) AS n FROM outbox")[0]["n"] == 1


def test_a_second_filing_for_the_same_collection_returns_the_first(bins, borough, listen):
    filed = listen("ReportFiled")
    uprn = pick(borough, "FOOD-0001")[0]
    first = bins.file_report(uprn, "food")
    again = bins.file_report(uprn, "food", collection_date="2026-03-02", channel="web")
    assert again["created"] is False
    assert "secret" not in again
    assert again["report"]["id"] == first["report"]["id"]
    assert len(filed.collect(2, timeout=1.0, settle=0.3)) == 1


def test_concurrent_filings_make_one_report(bins_config, container_factory, borough, bins_db):
    import eventlet

    container_factory(BinsService, bins_config).start()
    uprn = pick(borough, "FOOD-0001")[0]

    def file(_):
        with ServiceRpcProxy("bins", bins_config) as proxy:
            return proxy.file_report(uprn, "food")

    answers = list(eventlet.GreenPool(6).imap(file, range(6)))
    assert sum(a["created"] for a in answers) == 1
    assert len({a["report"]["id"] for a in answers}) == 1
    assert query(bins_db, "SELECT count(*) AS n FROM reports")[0]["n"] == 1


def test_the_same_idempotency_key_returns_the_same_report(bins_config, container_factory,
                                                          borough, listen):
    filed = listen("ReportFiled")
    container_factory(BinsService, bins_config).start()
    first_uprn, other_uprn = pick(borough, "FOOD-0001")[:2]
    with ServiceRpcProxy("bins", bins_config,
                         context_data={"idempotency_key": "gateway-scoped-key-1"}) as bins:
        first = bins.file_report(first_uprn, "food")
        # a retry of the same request, even with a changed body, gets the first answer
        retry = bins.file_report(other_uprn, "food")
    with ServiceRpcProxy("bins", bins_config) as bins:
        by_argument = bins.file_report(other_uprn, "food", idempotency_key="client-key-2")
        repeated = bins.file_report(other_uprn, "food", idempotency_key="client-key-2")
    assert first["created"] is True and retry["created"] is False
    assert retry["report"]["id"] == first["report"]["id"]
    assert by_argument["created"] is True and repeated["created"] is False
    assert repeated["report"]["id"] == by_argument["report"]["id"]
    # the same submission sent twice gets its secret back (a double click)
    assert retry["secret"] == first["secret"]
    assert repeated["secret"] == by_argument["secret"]
    with ServiceRpcProxy("bins", bins_config) as bins:
        # someone else reporting the same bin gets the reference, not the secret
        stranger = bins.file_report(other_uprn, "food", idempotency_key="another-key")
        assert stranger["created"] is False and "secret" not in stranger
        assert bins.report_status(first["report"]["reference"], first["secret"])["id"] == \
            first["report"]["id"]
    assert len(filed.collect(3, timeout=1.5, settle=0.3)) == 2


def test_each_rule_reaches_the_caller_as_report_rejected(bins, borough):
    monday = pick(borough, "FOOD-0001", garden=False)[0]
    tuesday = pick(borough, "FOOD-0002")[0]
    cases = [
        (lambda: bins.file_report(monday, "garden"), "service_not_provided",
         "Your property does not have a garden waste collection."),
        (lambda: bins.file_report(monday, "food", collection_date="2026-03-03"),
         "not_scheduled", "There was no food waste collection for your property on "
                          "Tuesday 3 March."),
        (lambda: bins.file_report(monday, "food", collection_date="2026-03-09"),
         "collection_not_due", None),
        (lambda: bins.file_report(tuesday, "food"), "crew_still_working", None),
        (lambda: bins.file_report(monday, "food", collection_date="2026-02-23"),
         "report_window_closed", None),
    ]
    for call, code, reason in cases:
        body = rejection(call)
        assert body["code"] == code
        if reason:
            assert body["reason"] == reason


def test_a_crew_exception_is_the_reason_given(bins, borough):
    uprn = pick(borough, "FOOD-0001")[0]
    bins.record_exception("crew-3", "FOOD-0001", uprn, "2026-03-02", "bin_not_out",
                          note="nothing at the kerb")
    body = rejection(lambda: bins.file_report(uprn, "food"))
    assert body["code"] == "crew_exception_bin_not_out"
    assert "your bin was not out for collection" in body["reason"]


def test_a_lapsed_garden_subscription_is_refused(bins, borough):
    CLOCK.set(2026, 4, 14, 12, 0)  # GDN-0001 collected on Monday 13 April
    lapsed = pick(borough, "GDN-0001", garden=dt.date(2026, 3, 31))
    assert lapsed, "the generated borough has a lapsed garden subscriber on GDN-0001"
    body = rejection(lambda: bins.file_report(lapsed[0], "garden"))
    assert body["code"] == "garden_subscription_inactive"


def test_the_window_opens_when_the_crew_finish(bins, borough):
    tuesday = pick(borough, "FOOD-0002")[0]
    assert rejection(lambda: bins.file_report(tuesday, "food"))["code"] == "crew_still_working"
    bins.complete_round("crew-3", "FOOD-0002", "2026-03-03",
                        completed_at="2026-03-03T11:30:00+00:00")
    assert bins.file_report(tuesday, "food")["created"] is True


def test_status_needs_the_reference_and_the_secret(bins, borough):
    uprn = pick(borough, "FOOD-0001")[0]
    filed = bins.file_report(uprn, "food")
    reference, secret = filed["report"]["reference"], filed["secret"]

    status = bins.report_status(reference.lower().replace("-", " "), secret)
    assert status == filed["report"]
    assert "secret" not in json.dumps(status)
    unknown = new_reference(REFERENCE_PREFIX, choice=lambda alphabet: "2")
    for ref, code in ((reference, "not the secret"), (unknown, secret)):
        with pytest.raises(RemoteError) as err:
            bins.report_status(ref, code)
        # unknown reference and wrong secret look the same to the caller
        assert err.value.exc_type == "ReportNotFound"
    with pytest.raises(RemoteError) as err:
        bins.report_status("nonsense", secret)
    assert err.value.exc_type == "ValidationError"
    assert "reference" in err.value.value


def test_bad_input_is_a_validation_error_naming_each_field(bins):
    with pytest.raises(RemoteError) as err:
        bins.file_report("12-34", "compost", collection_date="yesterday")
    assert err.value.exc_type == "ValidationError"
    for field in ("uprn", "service", "collection_date"):
        assert field in err.value.value
    with pytest.raises(RemoteError) as err:
        bins.file_report("999999999999", "food")
    assert err.value.exc_type == "PropertyNotFound"


def test_open311_views_carry_no_secrets(bins, borough):
    uprn = pick(borough, "FOOD-0001")[0]
    filed = bins.file_report(uprn, "food")
    codes = [s["service_code"] for s in bins.open311_services()]
    assert codes == ["missed-refuse", "missed-recycling", "missed-garden", "missed-food"]

    listed = bins.open311_requests({"service_code": "missed-food", "status": "open"})
    assert [r["service_request_id"] for r in listed] == [filed["report"]["reference"]]
    assert bins.open311_requests({"service_code": "missed-refuse"}) == []
    one = bins.get_report_public(filed["report"]["id"])
    assert one == listed[0] == bins.get_report_public(filed["report"]["reference"])
    assert one["status"] == "open"
    assert one["status_notes"] == "A crew will return by the end of Wednesday 4 March 2026."
    assert filed["secret"] not in json.dumps(one)
    with pytest.raises(RemoteError) as err:
        bins.open311_requests({"start_date": "2025-01-01T00:00:00Z",
                               "end_date": "2026-01-01T00:00:00Z"})
    assert err.value.exc_type == "ValidationError"
    assert "Ask for at most 90 days at once" in str(err.value.value)
