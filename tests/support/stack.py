"""Start real service and gateway processes (`nameko run`), as `make up`
does, against a private vhost and databases: for end-to-end tests and
benchmarks that must not disturb a running platform. Also the helpers the
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
        log = open(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen([NAMEKO, "run", *args], cwd=ROOT, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
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
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


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
