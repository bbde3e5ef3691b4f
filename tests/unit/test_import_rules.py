"""Who may import what, so a service can change everything but its contract
without asking anyone:

- a module under services/<x>/ imports services.<x>.*, the kit
  (services.kit.*), the shared council kernel (services.council.*), and
  another service only as services.<y>.contract;
- a module under gateway/ imports the kit, the council kernel and
  services.<y>.contract;
- the kit and the council kernel import no service at all.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# What every part may use: plumbing, and the council's shared rules.
SHARED = ("kit", "council")


def imported(tree):
    """Every module name a file imports, with `from a import b` also giving
    a.b (b may be a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: stays inside its own package
                continue
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def allowed(owner, name):
    """Whether code belonging to `owner` (a service's name, or "gateway")
    may import `name`."""
    parts = name.split(".")
    if parts[0] != "services" or len(parts) < 3:
        return True  # not ours; `from services.<y> import z` is judged by services.<y>.z
    if owner in SHARED:
        return parts[1] in SHARED  # plumbing and council rules serve every service, know none
    return parts[1] in (*SHARED, owner) or parts[2] == "contract"


def files():
    for folder in ("services", "gateway"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT)
            owner = rel.parts[1] if folder == "services" else "gateway"
            if folder == "services" and len(rel.parts) == 2:
                owner = None  # services/__init__.py belongs to nobody
            yield rel, owner


def breaches(rel, owner, source):
    return [name for name in imported(ast.parse(source))
            if not allowed(owner, name)]


@pytest.mark.parametrize("rel,owner", list(files()), ids=lambda v: str(v))
def test_imports_keep_to_contracts(rel, owner):
    assert breaches(rel, owner, (ROOT / rel).read_text()) == []


def test_the_rule_catches_a_reach_into_another_service():
    source = ("from services.housing.domain import triage\n"
              "from services.housing import store\n"
              "import services.notify.app\n"
              "from services.housing.contract import URGENCIES\n"
              "from services.bins import contract\n"
              "from services.kit.envelope import EventCatalogue\n"
              "from services.bookings.app import hold\n")
    assert breaches(Path("services/bookings/x.py"), "bookings", source) == [
        "services.housing.domain", "services.housing.domain.triage",
        "services.housing.store", "services.notify.app"]


def test_the_gateway_reaches_no_service_beyond_its_contract():
    assert breaches(Path("gateway/dev/inbox.py"), "gateway",
                    "from services.notify import app\n") == ["services.notify.app"]
    assert breaches(Path("gateway/other.py"), "gateway",
                    "from services.bins.schemas import FileReport\n") == [
        "services.bins.schemas", "services.bins.schemas.FileReport"]


def test_the_kit_and_the_council_kernel_know_no_service():
    assert breaches(Path("services/kit/x.py"), "kit",
                    "from services.housing.contract import URGENCIES\n"
                    "from services.council.words import date_text\n") == [
        "services.housing.contract", "services.housing.contract.URGENCIES"]
