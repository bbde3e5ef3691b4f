"""A small generated borough in a fresh database, a pinned clock, and
subscribers for the bins events, on the run's private vhost."""
import datetime as dt
import os
import pathlib
import subprocess
import sys

import kombu
import pytest

from services.bins.tools import generator
from services.bins.contract import REPLIES
from services.bins.service import BinsService
from services.kit import topology
from services.kit.migrate import migration_dirs
from tests.support.clock import Clock
from tests.support.contracts import checked_service
from tests.support.listener import event_listeners
from tests.conftest import query, service_config, truncate  # noqa: F401 (query: for tests)

ROOT = pathlib.Path(__file__).resolve().parents[3]
SIZE, SEED, ROUND_SIZE = 200, 7, 25
AS_OF = dt.date(2026, 4, 1)


CLOCK = Clock()


def run_module(module, *args):
    """Runs a command-line tool in its own process, as an operator would
    (COPY cannot run under this process's eventlet patching)."""
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"))


def load_borough(url):
    done = run_module("services.bins.tools.generator", "--size", str(SIZE), "--seed", str(SEED),
                      "--round-size", str(ROUND_SIZE), "--as-of", AS_OF.isoformat(),
                      "--database-url", url)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def bins_db(make_database):
    url = make_database("bins", migration_dirs("bins"))
    load_borough(url)
    return url


@pytest.fixture(scope="session")
def borough():
    """The same borough, generated in memory: the facts tests pick from."""
    made = generator.generate(SIZE, SEED, ROUND_SIZE, AS_OF)
    properties = {}
    for prop, services in made.properties:
        properties[prop[0]] = {"uprn": prop[0], "lines": prop[1], "postcode": prop[2],
                               "services": {s[1]: {"round_id": s[2], "until": s[4]}
                                            for s in services}}
    return {"rounds": {r.id: r for r in made.rounds}, "properties": properties}


def pick(borough, round_id, garden=None):
    """UPRNs on a round; garden=date: only those subscribed until then."""
    found = []
    for p in borough["properties"].values():
        if round_id not in {s["round_id"] for s in p["services"].values()}:
            continue
        if garden is False:
            if "garden" in p["services"]:
                continue
        elif garden is not None and p["services"].get("garden", {}).get("until") != garden:
            continue
        found.append(p["uprn"])
    return found


@pytest.fixture(scope="session")
def bins_topology(broker):
    topology.ensure(broker.uri, services=("bins",))
    return broker


@pytest.fixture
def bins_config(bins_db, bins_topology):
    truncate(bins_db, "reports", "round_days", "crew_exceptions", "outbox", "inbox")
    CLOCK.set(2026, 3, 3, 12, 0)
    return service_config(bins_topology, bins_db,
                          CLOCK="tests.integration.bins.conftest:CLOCK.now",
                          OVERDUE_SWEEP_SECONDS=3600)


@pytest.fixture
def bins(container_factory, bins_config):
    # every reply the contract describes is checked against it
    with checked_service(container_factory, BinsService, bins_config, REPLIES) as proxy:
        yield proxy


@pytest.fixture
def listen(bins_topology, request):
    """listen("ReportFiled") on bins.events, or listen(round_id="FOOD-0001")
    on bins.rounds."""
    rounds = kombu.Exchange("bins.rounds", type="headers", durable=True)
    with event_listeners(bins_topology.uri, "bins", request.node.name) as make:
        def listen_to(event_type=None, round_id=None):
            if round_id is None:
                return make(event_type)
            return make(exchange=rounds, arguments={"x-match": "all", "round_id": round_id})
        yield listen_to
