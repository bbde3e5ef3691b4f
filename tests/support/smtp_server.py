"""An SMTP server for tests: aiosmtpd's Controller on a free local port,
keeping every message it receives in memory.

    with SmtpServer() as smtp:
        provider = SmtpProvider(smtp.host, smtp.port, "council@example.gov.uk")
        ...
        [message] = smtp.wait_for(1)
        message.email["Subject"]

or as a fixture: `smtp_server = pytest.fixture(smtp_server_fixture)`.
"""
import dataclasses
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller

from tests.support.waiting import wait_until


@dataclasses.dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple
    raw: bytes

    @property
    def email(self):
        """The message parsed (email.message.EmailMessage)."""
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class _Collector:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.server.refuse.get(address)
        if code:
            return f"{code} Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        with self.server.lock:
            self.server.messages.append(Received(envelope.mail_from,
                                                 tuple(envelope.rcpt_tos), raw))
        return "250 Message accepted for delivery"


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self, host="127.0.0.1", port=None):
        self.host = host
        self.port = port or free_port(host)
        self.messages = []
        self.refuse = {}  # address -> SMTP code to refuse it with (550, 450...)
        self.lock = threading.Lock()
        self._controller = None

    def start(self):
        self._controller = Controller(_Collector(self), hostname=self.host, port=self.port,
                                      ready_timeout=10)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_for(self, count, timeout=5.0):
        """The messages, once at least `count` have arrived (AssertionError
        if they do not within `timeout` seconds)."""
        def arrived():
            with self.lock:
                return list(self.messages) if len(self.messages) >= count else None
        return wait_until(arrived, timeout, every=0.02, what=f"{count} message(s)")


def smtp_server_fixture():
    """Body of a pytest fixture: `smtp_server = pytest.fixture(smtp_server_fixture)`."""
    with SmtpServer() as server:
        yield server
