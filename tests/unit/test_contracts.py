"""Each service's contract is what other parts import, so importing it must
stay cheap and pure: event schemas, vocabularies and reply schemas, with no
framework, broker or database library behind them."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.bins import contract as bins
from services.bookings import contract as bookings
from services.housing import contract as housing
from services.notify import contract as notify

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("bins", "housing", "bookings", "notify")
FORBIDDEN = ("nameko", "kombu", "amqp", "psycopg2", "eventlet")
PURE = [f"services.{name}.contract" for name in SERVICES] + ["services.kit.envelope"]


def loaded_by(module):
    code = f"import json, sys\nimport {module}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", PURE)
def test_importing_a_contract_loads_no_framework_broker_or_database(module):
    loaded = loaded_by(module)
    assert [m for m in loaded if m.split(".")[0] in FORBIDDEN] == []


@pytest.mark.parametrize("module", PURE)
def test_a_contract_reaches_only_contracts_domains_the_kit_and_the_council_kernel(module):
    ours = [m for m in loaded_by(module) if m.startswith("services.")]
    assert all(m.split(".")[1] in ("kit", "council")
               or m.split(".")[2:3] in (["contract"], ["domain"])
               for m in ours if m.count(".") >= 2), ours


@pytest.mark.parametrize("contract", [bins, housing, bookings, notify])
def test_every_contract_publishes_a_catalogue_and_lists_what_it_offers(contract):
    assert contract.CATALOGUE.source == contract.__name__.split(".")[1]
    assert all(hasattr(contract, name) for name in contract.__all__)


def test_vocabularies_are_the_domains_own_objects():
    # One definition each: the contract hands on the domain's tuple itself.
    from services.bins.domain import model, rules
    from services.housing.domain import cases, clocks, triage
    assert bins.SERVICES is model.SERVICES and bins.REJECTION_CODES is rules.REJECTION_CODES
    assert housing.URGENCIES is triage.URGENCIES and housing.CLOCKS is clocks.KINDS
    assert housing.CLOSE_OUTCOMES is cases.CLOSE_OUTCOMES
    assert bookings.TYPE_URGENCIES == ("emergency", "high", "standard")


def test_bins_rejection_codes_cover_every_crew_exception():
    assert "crew_exception_bin_not_out" in bins.REJECTION_CODES
    assert len(set(bins.REJECTION_CODES)) == len(bins.REJECTION_CODES) == 10


def test_notification_facts_schemas_accept_a_reply_and_name_a_broken_field():
    contact = {"email": "a@example.com", "phone": None, "preferred": "email",
               "safe_channel_only": False}
    reply = {"contact": contact, "reference": "HL-4M7P-28", "urgency": "high",
             "respond_by": "2026-12-03", "next_step_title": None, "next_step_text": None,
             "phone": "01632 960 001", "new_field": 1,
             "links": [{"kind": "case_status", "reference": "HL-4M7P-28", "code": None}]}
    assert housing.NotificationFacts().validate(reply) == {}
    assert housing.NotificationFacts().validate({**reply, "contact": None}) == {}
    broken = {**reply, "contact": {**contact, "preferred": "pigeon"}}
    assert list(housing.NotificationFacts().validate(broken)) == ["contact"]
