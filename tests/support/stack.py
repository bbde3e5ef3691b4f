"""Start real service and gateway processes (`nameko run`), as `make up`
does, against a private vhost and databases: for end-to-end tests and
benchmarks that must not disturb a running platform. `spawn` is the one
way tests and benchmarks start a process of their own (the development mail
server, tools run to their end), a Stack's or not. Also the helpers the
journeys' tests share: `running` (a Stack started and healthy), `call` (a
request to its gateway) and `bearer` (a development token for it)."""
import contextlib
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import jwt
import requests

from services.kit import topology

ROOT = pathlib.Path(__file__).resolve().parents[2]
NAMEKO = str(pathlib.Path(sys.executable).parent / "nameko")
# the gateway's defaults for development tokens (gateway/web/settings.py)
ISSUER, AUDIENCE = "townhall-dev", "townhall-gateway"


def spawn(command, log_path, env=None):
    """Starts `command` from the repository root in a session of its own
    (so a signal reaches it alone, not the test run), what it writes appended
    to the file `log_path`."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def run_to_end(command, log_path, timeout=120, env=None):
    """Runs `command` as `spawn` does and waits for it; a failure raises
    CalledProcessError with the end of its log as the output."""
    proc = spawn(command, log_path, env)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    if code:
        raise subprocess.CalledProcessError(code, command, output=tail(log_path))


def devmail_command(port, maildir, host="127.0.0.1"):
    """The command that runs the development mail server (tools/devmail.py)
    on `port`, keeping mail in the folder `maildir`."""
    return [sys.executable, "-m", "tools.devmail", "--host", host, "--port", str(port),
            "--maildir", str(maildir)]


def tail(path, lines=20):
    """The last `lines` lines of a log file ("" when there is none)."""
    path = pathlib.Path(path)
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, amqp_uri, database_urls, log_dir, **env):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update({
            "AMQP_URI": amqp_uri,
            "GATEWAY_ADDRESS": f"127.0.0.1:{self.port}",
            "PYTHONWARNINGS": "ignore",
        })
        for service, url in database_urls.items():
            self.env[f"{service.upper()}_DATABASE_URL"] = url
        self.env.update({k: str(v) for k, v in env.items()})
        self.log_dir = pathlib.Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.procs = {}

    def start(self, name):
        """Starts `gateway` or a service by name; returns its process."""
        if name == "gateway":
            args = ["--config", "gateway/config.yaml", "gateway.service"]
        else:
            args = ["--config", f"services/{name}/config.yaml", f"services.{name}.service"]
        return self.spawn(name, [NAMEKO, "run", *args])

    def spawn(self, name, command):
        """Starts any `command` with this Stack's environment, logging to
        `<name>.log` beside the services' logs; stopped with them."""
        proc = spawn(command, self.log_dir / f"{name}.log", self.env)
        self.procs[name] = proc
        return proc

    def stop(self, name, sig=signal.SIGTERM, timeout=15):
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)

    def wait_healthy(self, path="/healthz", timeout=60):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.tail(name)}")
            try:
                last = requests.get(self.base_url + path, timeout=3)
                if last.status_code == 200:
                    return last
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"not healthy in {timeout}s: "
                           f"{last.text[:300] if last is not None else 'no answer'}")

    def bearer(self, sub, roles, lifetime=600):
        """Headers with a token this Stack's gateway takes: signed with the
        key the Stack was started with, whichever journey started it."""
        return bearer(self.env["AUTH_DEV_SIGNING_KEY"], sub, roles, lifetime)

    def tail(self, name, lines=20):
        return tail(self.log_dir / f"{name}.log", lines)


@contextlib.contextmanager
def running(amqp_uri, database_urls, log_dir, ready=("/healthz",), services=topology.SERVICES,
            **env):
    """A Stack of the services in `database_urls` (started in that order)
    and the gateway, the exchanges and queues of `services` declared first,
    once the gateway answers 200 on each path in `ready`; stopped on leaving.
    /healthz asks every service, so a Stack without all of them waits on
    paths of its own services instead."""
    topology.ensure(amqp_uri, services=services)
    stack = Stack(amqp_uri, database_urls, log_dir, **env)
    try:
        for name in (*database_urls, "gateway"):
            stack.start(name)
        for path in ready:
            stack.wait_healthy(path)
        yield stack
    finally:
        stack.stop_all()


def call(stack, method, path, **kwargs):
    """A request to the Stack's gateway (10 s timeout unless given)."""
    kwargs.setdefault("timeout", 10)
    return requests.request(method, stack.base_url + path, **kwargs)


def bearer(signing_key, sub, roles, lifetime=600):
    """Headers with a token the gateway takes when its AUTH_DEV_SIGNING_KEY
    is `signing_key`."""
    now = int(time.time())
    return {"Authorization": "Bearer " + jwt.encode(
        {"sub": sub, "roles": roles, "iss": ISSUER, "aud": AUDIENCE,
         "iat": now, "exp": now + lifetime}, signing_key, algorithm="HS256")}
