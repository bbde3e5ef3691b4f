"""The bins service and a gateway in their own processes, over a private
vhost, with a small generated borough: shared by the end-to-end and browser
tests of the missed-bins journey (registered in tests/conftest.py)."""
import json
import sys

import psycopg2
import pytest

from gateway.auth.credentials import hash_api_key
from services.kit.migrate import migrate_service
from tests.conftest import database_url_for
from tests.support.stack import call, run_to_end, running

SIGNING_KEY = "e2e-bins-signing-key-long-enough-for-hs256-tokens"
API_KEY = "th_e2e_open311_client_key"
# small rounds, so that every weekday has collections to report
BOROUGH_SIZE = 400


def generate_borough(url, log_dir, size=BOROUGH_SIZE):
    """A generated borough of `size` properties in small rounds, replacing
    whatever the bins database at `url` held; the generator logs to
    `generator.log` in `log_dir`."""
    # COPY cannot run under eventlet's patched psycopg2: load in a process of its own
    run_to_end([sys.executable, "-m", "services.bins.tools.generator", "--size",
                str(size), "--round-size", "20", "--database-url", url, "--replace"],
               log_dir / "generator.log")


@pytest.fixture(scope="module")
def journey_db(tmp_path_factory):
    url = database_url_for("e2e_bins_journey")
    migrate_service("bins", url)
    generate_borough(url, tmp_path_factory.mktemp("generator"))
    return url


@pytest.fixture(scope="module")
def journey_stack(broker, journey_db, tmp_path_factory):
    # only bins runs here, so /healthz (which asks all four) would say 503
    with running(broker.uri, {"bins": journey_db}, tmp_path_factory.mktemp("logs"),
                 ready=["/api/v1/bins/addresses?postcode=SW1A1AA"],
                 GATEWAY_REDIS_PREFIX=f"townhall:e2e-bins:{broker.vhost}",
                 AUTH_DEV_SIGNING_KEY=SIGNING_KEY,
                 GATEWAY_SECRET_KEY="e2e-bins-secret",
                 RATE_LIMIT_ANONYMOUS_WRITES="1000/minute",
                 AUTH_API_KEYS=json.dumps([{"name": "e2e-open311",
                                            "sha256": hash_api_key(API_KEY),
                                            "roles": ["api_client"]}])) as s:
        yield s




def candidates(bins_db, limit=60):
    """(uprn, postcode, {service: (round_id, crew_id)}) for a spread of properties."""
    conn = psycopg2.connect(bins_db)
    try:
        with conn.cursor() as cur:
            cur.execute("""
                SELECT p.uprn, p.postcode,
                       json_object_agg(ps.service, json_build_array(r.id, r.crew_id))
                FROM properties p
                JOIN property_services ps USING (uprn)
                JOIN rounds r ON r.id = ps.round_id
                GROUP BY p.uprn, p.postcode ORDER BY md5(p.uprn) LIMIT %s""", (limit,))
            return cur.fetchall()
    finally:
        conn.close()


def reportable(stack, bins_db, wanted=2):
    """Collections a resident may report right now: a round still out gets
    marked complete by a supervisor, as the crew would."""
    found = []
    for uprn, postcode, rounds in candidates(bins_db):
        days = call(stack, "GET", f"/api/v1/bins/properties/{uprn}").json()
        for service in days["services"]:
            report = service["report"]
            if report["code"] == "crew_still_working":
                done = call(stack, "POST",
                            f"/api/v1/bins/crew/rounds/{service['round_id']}/complete",
                            json={"day": report["collection_date"]},
                            headers=stack.bearer("sup-e2e", ["supervisor"]))
                assert done.status_code == 200, done.text
                report["allowed"] = True
            if report["allowed"]:
                found.append({"uprn": uprn, "postcode": postcode,
                              "service": service["service"],
                              "round_id": service["round_id"],
                              "crew_id": rounds[service["service"]][1],
                              "next": service["next"],
                              "collection_date": report["collection_date"]})
                break
        if len(found) == wanted:
            return found
    pytest.fail("the generated borough has no collection that can be reported today")
