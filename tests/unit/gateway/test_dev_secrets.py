"""deploy/local hands the development secrets to the gateway, and only to it."""
import importlib.util
from pathlib import Path

import pytest
from supervisor.datatypes import dict_of_key_value_pairs

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def supervisord_conf():
    spec = importlib.util.spec_from_file_location(
        "supervisord_conf", ROOT / "deploy" / "local" / "supervisord_conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def environments(text):
    """{program: environment} from a rendered config."""
    envs, program = {}, None
    for line in text.splitlines():
        if line.startswith("[program:"):
            program = line[len("[program:"):-1]
        elif line.startswith("environment=") and program:
            envs[program] = dict_of_key_value_pairs(line.split("=", 1)[1])
    return envs


def test_the_gateway_gets_the_dev_secrets(supervisord_conf, tmp_path, monkeypatch):
    secrets = tmp_path / "dev-secrets.env"
    secrets.write_text("AUTH_DEV_SIGNING_KEY=sign-Key_1\nGATEWAY_SECRET_KEY=csrf-Key_2\n")
    out = tmp_path / "supervisord.conf"
    monkeypatch.delenv("AUTH_DEV_SIGNING_KEY", raising=False)
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "set-by-the-operator")
    supervisord_conf.main([str(out), "bins", "--secrets", str(secrets)])
    envs = environments(out.read_text())
    assert envs["gateway"]["AUTH_DEV_SIGNING_KEY"] == "sign-Key_1"
    # a variable already set is inherited by supervisord instead
    assert "GATEWAY_SECRET_KEY" not in envs["gateway"]
    assert envs["bins"] == {"PYTHONUNBUFFERED": "1"}
    assert out.stat().st_mode & 0o077 == 0


def test_values_supervisord_would_mangle_are_refused(supervisord_conf, tmp_path):
    secrets = tmp_path / "dev-secrets.env"
    secrets.write_text('AUTH_DEV_SIGNING_KEY=a,b%(here)s\n')
    with pytest.raises(SystemExit, match="AUTH_DEV_SIGNING_KEY"):
        supervisord_conf.main([str(tmp_path / "out.conf"), "bins", "--secrets", str(secrets)])
