"""deploy/local runs the development mail server and points the notify
service and the gateway at it, unless the operator says otherwise."""
import importlib.util
import shlex
from pathlib import Path

import pytest
from supervisor.options import ServerOptions

from tests.unit.gateway.test_dev_secrets import environments

ROOT = Path(__file__).resolve().parents[3]
DEV_MAIL_NAMES = ("NOTIFY_EMAIL_PROVIDER", "NOTIFY_SMS_PROVIDER", "SMTP_HOST", "SMTP_PORT",
                  "SMTP_SENDER", "DEV_INBOX_DIR")


@pytest.fixture
def supervisord_conf(monkeypatch):
    for name in DEV_MAIL_NAMES:
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location(
        "supervisord_conf", ROOT / "deploy" / "local" / "supervisord_conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def programs(path):
    """{program: (priority, command, environment)} as supervisord reads the file."""
    (path.parent / "log").mkdir(exist_ok=True)
    options = ServerOptions()
    options.realize(args=["-c", str(path)])
    return {g.name: (g.priority, g.process_configs[0].command,
                     g.process_configs[0].environment)
            for g in options.process_group_configs}


def test_the_mail_server_runs_first_and_notify_sends_to_it(supervisord_conf, tmp_path):
    out = tmp_path / "supervisord.conf"
    maildir = tmp_path / "my mail"
    supervisord_conf.main([str(out), "bins", "notify", "--devmail-port", "2525",
                           "--maildir", str(maildir)])
    found = programs(out)
    priority, command, env = found["devmail"]
    assert priority < min(p for name, (p, _, _) in found.items() if name != "devmail")
    # split as supervisord splits it
    assert shlex.split(command)[1:] == ["-m", "tools.devmail", "--host", "127.0.0.1",
                                        "--port", "2525", "--maildir", str(maildir)]
    assert found["notify"][2] == {
        "PYTHONUNBUFFERED": "1", "NOTIFY_EMAIL_PROVIDER": "smtp", "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": "2525", "SMTP_SENDER": "noreply@townhall.example",
        "NOTIFY_SMS_PROVIDER": "log"}
    assert found["gateway"][2]["DEV_INBOX_DIR"] == str(maildir)
    # nobody else is told about mail
    assert found["bins"][2] == {"PYTHONUNBUFFERED": "1"}
    assert not any(name in found["devmail"][2] for name in DEV_MAIL_NAMES)


def test_the_operators_own_settings_win(supervisord_conf, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTIFY_EMAIL_PROVIDER", "notify")
    monkeypatch.setenv("SMTP_SENDER", "bins@council.example")
    monkeypatch.setenv("DEV_INBOX_DIR", "/srv/mail")
    out = tmp_path / "supervisord.conf"
    supervisord_conf.main([str(out), "notify", "--devmail-port", "1025",
                           "--maildir", str(tmp_path / "mail")])
    envs = environments(out.read_text())
    # inherited from supervisord's own environment instead
    assert "NOTIFY_EMAIL_PROVIDER" not in envs["notify"]
    assert "SMTP_SENDER" not in envs["notify"]
    assert "DEV_INBOX_DIR" not in envs["gateway"]
    assert envs["notify"]["SMTP_PORT"] == "1025"
    assert envs["notify"]["NOTIFY_SMS_PROVIDER"] == "log"


def test_without_a_port_there_is_no_mail_server(supervisord_conf, tmp_path):
    out = tmp_path / "supervisord.conf"
    supervisord_conf.main([str(out), "notify"])
    text = out.read_text()
    assert "[program:devmail]" not in text
    envs = environments(text)
    assert envs["notify"] == {"PYTHONUNBUFFERED": "1"}
    assert "DEV_INBOX_DIR" not in envs["gateway"]


@pytest.mark.parametrize("port", ["0", "65536", "smtp", "-1"])
def test_a_bad_port_is_refused(supervisord_conf, tmp_path, port):
    with pytest.raises(SystemExit, match="DEVMAIL_PORT"):
        supervisord_conf.main([str(tmp_path / "out.conf"), "notify", "--devmail-port", port])


def test_a_folder_supervisord_would_mangle_is_refused(supervisord_conf, tmp_path):
    with pytest.raises(SystemExit, match="maildir"):
        supervisord_conf.main([str(tmp_path / "out.conf"), "notify", "--devmail-port", "1025",
                               "--maildir", str(tmp_path / "100%(here)s")])
