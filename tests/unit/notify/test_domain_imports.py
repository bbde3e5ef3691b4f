"""The notify domain stays plain Python: no framework, transport or
database, so its rules can be tested and moved without them."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[3] / "services" / "notify" / "domain"
MODULES = sorted(p.stem for p in DOMAIN.glob("*.py") if p.stem != "__init__")
FORBIDDEN = ("nameko", "psycopg2", "werkzeug", "requests", "eventlet", "kombu", "sqlalchemy",
             "flask", "jinja2", "marshmallow", "redis", "notifications_python_client")
ALLOWED_OWN = ("services.notify.domain",)


def test_the_expected_modules_exist():
    assert MODULES == ["channels", "templates"]


def test_importing_the_domain_loads_no_framework():
    code = ("import json, sys\n"
            + "".join(f"import services.notify.domain.{m}\n" for m in MODULES)
            + "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=DOMAIN.parents[2])
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m.split(".")[0] in FORBIDDEN] == []
    ours = [m for m in loaded if m.startswith("services.")]
    assert all(m.startswith(ALLOWED_OWN) or m in ("services.notify",) for m in ours), ours


@pytest.mark.parametrize("module", MODULES)
def test_imports_are_stdlib_yaml_or_the_domain(module):
    tree = ast.parse((DOMAIN / f"{module}.py").read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module)
    for name in names:
        top = name.split(".")[0]
        assert (top in sys.stdlib_module_names or top == "yaml"
                or name.startswith(ALLOWED_OWN)), f"{module} imports {name}"
