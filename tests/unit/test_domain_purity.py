"""Every service's domain stays plain Python: no framework, transport or
database, so its rules can be tested and moved without them."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("nameko", "psycopg2", "werkzeug", "requests", "eventlet", "kombu", "sqlalchemy",
             "flask", "jinja2", "marshmallow", "redis", "notifications_python_client")
# service: (third-party packages its domain may use, kit modules it may use)
DOMAINS = {
    "bins": (("icalendar",), ("services.council.contact", "services.kit.rules")),
    "housing": (("yaml",), ("services.council.workdays", "services.council.words",
                            "services.kit.rules")),
    "bookings": (("icalendar",), ("services.council.workdays", "services.council.words",
                                  "services.kit.rules")),
    "notify": (("yaml",), ("services.council.words", "services.council.contact",
                           "services.council.links")),
}


def modules(service):
    folder = ROOT / "services" / service / "domain"
    return sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("service", sorted(DOMAINS))
def test_importing_a_domain_loads_no_framework(service):
    allowed_kit = DOMAINS[service][1]
    code = ("import json, sys\n"
            + "".join(f"import services.{service}.domain.{m}\n" for m in modules(service))
            + "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m.split(".")[0] in FORBIDDEN] == []
    ours = [m for m in loaded if m.startswith("services.")]
    own = (f"services.{service}.domain", *allowed_kit)
    assert all(m.startswith(own) or m in ("services.kit", "services.council", f"services.{service}")
               for m in ours), ours


@pytest.mark.parametrize("service,module", [(s, m) for s in sorted(DOMAINS)
                                            for m in modules(s)])
def test_each_import_is_stdlib_an_allowed_package_or_the_domain(service, module):
    packages, allowed_kit = DOMAINS[service]
    own = (f"services.{service}.domain", *allowed_kit)
    tree = ast.parse((ROOT / "services" / service / "domain" / f"{module}.py").read_text())
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top in packages or \
                name.startswith(own), f"{service}.domain.{module} imports {name}"
