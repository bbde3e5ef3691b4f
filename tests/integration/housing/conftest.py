"""A fresh housing database, a pinned clock, and listeners for the housing
events, on the run's private vhost; and helpers that fill in a triage with
the ordinary answers, for the tests."""
import pytest

from services.housing import contract as housing_contract
from services.housing.service import HousingService
from services.kit import topology
from services.kit.migrate import migration_dirs
from tests.conftest import query, service_config, truncate  # noqa: F401 (query: for tests)
from tests.support.clock import Clock
from tests.support.contracts import checked_service
from tests.support.housing_answers import answer_all, ordinary_answers
from tests.support.listener import event_listeners

CLOCK = Clock()


def answered(housing, **overrides):
    """A triage started and given the ordinary answers as of CLOCK's day
    (with `overrides`): (code, the triage view after the last answer)."""
    started = housing.start_triage()
    code = started["code"]
    view = answer_all(lambda q, v: housing.answer_triage(code, q, v), started["triage"],
                      ordinary_answers(CLOCK.today(), **overrides))
    return code, view


def triage(housing, **overrides):
    """A triage with the ordinary answers (and `overrides`), submitted: the
    service's reply."""
    code, _ = answered(housing, **overrides)
    return housing.submit_triage(code)


@pytest.fixture(scope="session")
def housing_db(make_database):
    return make_database("housing", migration_dirs("housing"))


@pytest.fixture(scope="session")
def housing_topology(broker):
    topology.ensure(broker.uri, services=("housing",))
    return broker


@pytest.fixture
def housing_config(housing_db, housing_topology):
    truncate(housing_db, "audit_log", "clocks", "plan_steps", "case_notes", "cases", "drafts",
             "outbox", "inbox")
    # Tuesday 3 March 2026, 10:00
    CLOCK.set(2026, 3, 3, 10, 0)
    return service_config(housing_topology, housing_db,
                          CLOCK="tests.integration.housing.conftest:CLOCK.now",
                          SECRET_KEY="housing-test-secret",
                          CLOCK_SWEEP_SECONDS=3600, ANONYMISE_SWEEP_SECONDS=3600)


@pytest.fixture
def housing(container_factory, housing_config):
    # every reply the contract describes is checked against it
    with checked_service(container_factory, HousingService, housing_config,
                         housing_contract.REPLIES) as proxy:
        yield proxy


@pytest.fixture
def listen(housing_topology, request):
    with event_listeners(housing_topology.uri, "housing", request.node.name) as make:
        yield make
