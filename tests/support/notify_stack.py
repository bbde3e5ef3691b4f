"""Every service and the gateway in their own processes, as `make up` runs
them, with the development mail server (tools/devmail.py) as
the local inbox and the GOV.UK Notify stand-in for text messages: for the
end-to-end tests of residents being told what happened (registered in
tests/conftest.py)."""
import uuid

import pytest

from services.kit.migrate import create_database, migrate_service
from tools import devmail
from tests.conftest import database_url_for
from tests.support.bins_stack import generate_borough
from tests.support.bookings_stack import save_demo
from tests.support.fake_notify import FakeNotify
from tests.support.smtp_server import free_port
from tests.support.stack import devmail_command, running, spawn
from tests.support.waiting import wait_until

SIGNING_KEY = "e2e-notify-signing-key-long-enough-for-hs256-tokens"
CALLBACK_TOKEN = "e2e-notify-callback-token"
BOROUGH_SIZE = 400


@pytest.fixture(scope="module")
def notify_dbs(tmp_path_factory):
    urls = {name: database_url_for(f"e2e_notify_{name}")
            for name in ("bins", "housing", "bookings", "notify")}
    for name, url in urls.items():
        create_database(url, drop_first=True)
        migrate_service(name, url)
    generate_borough(urls["bins"], tmp_path_factory.mktemp("generator"), BOROUGH_SIZE)
    save_demo(urls["bookings"])
    return urls


class Inbox:
    """The development mail server in its own process, keeping mail in a
    folder, as `make up` runs it."""

    def __init__(self, folder, log_path):
        self.folder = folder
        self.port = free_port()
        self.proc = spawn(devmail_command(self.port, folder), log_path)

    def messages(self):
        """Newest first, as the development inbox page lists them."""
        return devmail.list_messages(self.folder, limit=500)

    def wait_for(self, count, timeout=10.0, to=None):
        def found():
            messages = [m for m in self.messages() if to is None or to in m["to"]]
            return messages if len(messages) >= count else None
        return wait_until(found, timeout, every=0.02, what=f"{count} message(s) in the inbox")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def fake_notify_server():
    with FakeNotify() as fake:
        yield fake


@pytest.fixture(scope="module")
def notify_stack(broker, notify_dbs, fake_notify_server, tmp_path_factory):
    logs = tmp_path_factory.mktemp("notify-logs")
    folder = tmp_path_factory.mktemp("mail")
    inbox = Inbox(folder, logs / "devmail.log")
    try:
        # all four services run here, so /healthz can say the platform is up
        with running(broker.uri, notify_dbs, logs,
                     GATEWAY_REDIS_PREFIX=(f"townhall:e2e-notify:{broker.vhost}:"
                                           f"{uuid.uuid4().hex[:6]}"),
                     AUTH_DEV_SIGNING_KEY=SIGNING_KEY,
                     GATEWAY_SECRET_KEY="e2e-notify-secret",
                     BINS_SECRET_KEY="e2e-notify-bins", HOUSING_SECRET_KEY="e2e-notify-housing",
                     BOOKINGS_SECRET_KEY="e2e-notify-bookings",
                     NOTIFY_SECRET_KEY="e2e-notify-notify",
                     RATE_LIMIT_ANONYMOUS_WRITES="1000/minute",
                     OUTBOX_SWEEP_SECONDS="0.2",
                     NOTIFY_EMAIL_PROVIDER="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port,
                     SMTP_SENDER="noreply@townhall.example",
                     NOTIFY_SMS_PROVIDER="notify", NOTIFY_API_KEY=fake_notify_server.api_key,
                     NOTIFY_BASE_URL=fake_notify_server.base_url,
                     NOTIFY_SMS_TEMPLATE_ID=fake_notify_server.sms_template_id,
                     NOTIFY_CALLBACK_TOKEN=CALLBACK_TOKEN,
                     DEV_INBOX_DIR=str(folder),
                     PUBLIC_URL="https://council.example",
                     # the privacy test reads every line the processes write
                     LOG_LEVEL="DEBUG") as s:
            s.inbox = inbox
            yield s
    finally:
        inbox.stop()
