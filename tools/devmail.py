"""A mail server for development: it accepts every message and keeps it as
an .eml file, so emails sent on this machine can be read without sending
any to a real inbox.

    python -m tools.devmail --host 127.0.0.1 --port 1025 --maildir var/mail

Each message is stored as <received time>-<message id>.eml (the id from
X-Townhall-Message-Id, else the Message-ID, else a new one), written to a
temporary name first so a reader never sees half a file. `list_messages`
reads them back, newest first, for the development inbox page.

For development only: it relays nothing, needs no login and keeps everything
it is sent. Never expose it beyond the local machine.
"""
import argparse
import asyncio
import email
import email.policy
import logging
import os
import re
import signal
import uuid
from datetime import datetime, timezone
from email.parser import BytesHeaderParser
from pathlib import Path

log = logging.getLogger("tools.devmail")

SUFFIX = ".eml"
_TIME_FORMAT = "%Y%m%dT%H%M%S.%fZ"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")
_NAME = re.compile(r"^(\d{8}T\d{6}\.\d{6}Z)-(.+)\.eml$")


def _message_id(raw):
    """The id to file a message under, from its headers."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    value = headers.get("X-Townhall-Message-Id") or headers.get("Message-ID") or ""
    value = _UNSAFE.sub("", str(value).strip().strip("<>"))[:100].strip(".")
    return value or uuid.uuid4().hex


def store(maildir, raw, rcpt_tos=(), received_at=None):
    """Write one received message into `maildir`; its path."""
    maildir = Path(maildir)
    maildir.mkdir(parents=True, exist_ok=True)
    received_at = received_at or datetime.now(timezone.utc)
    stamp = received_at.strftime(_TIME_FORMAT)
    # Delivery headers go on top, as a mail server's Received: lines do.
    top = (f"X-Devmail-Received-At: {received_at.isoformat()}\r\n"
           f"X-Devmail-Rcpt-To: {', '.join(rcpt_tos)}\r\n").encode("utf-8")
    name = f"{stamp}-{_message_id(raw)}"
    path = maildir / f"{name}{SUFFIX}"
    n = 1
    while path.exists():  # the same id sent twice in one microsecond
        n += 1
        path = maildir / f"{name}-{n}{SUFFIX}"
    tmp = maildir / f".{path.name}.{uuid.uuid4().hex}.tmp"
    tmp.write_bytes(top + raw)
    os.replace(tmp, path)
    return path


class MaildirHandler:
    """aiosmtpd handler: accept every recipient, store every message."""

    def __init__(self, maildir):
        self.maildir = Path(maildir)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        try:
            path = store(self.maildir, raw, envelope.rcpt_tos)
        except OSError as e:
            log.error("could not store a message: %s", e)
            return "451 Requested action aborted: could not store the message"
        log.info("stored %s", path.name)
        return "250 Message accepted for delivery"


def _text_of(msg):
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        part = msg.get_body(preferencelist=("html",))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError):
        text = part.get_payload(decode=True).decode("utf-8", "replace")
    return text.replace("\r\n", "\n")


def read(path):
    """One stored message as a dict (see list_messages)."""
    path = Path(path)
    with path.open("rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    match = _NAME.match(path.name)
    received_at = msg.get("X-Devmail-Received-At")
    if not received_at and match:
        received_at = datetime.strptime(match.group(1), _TIME_FORMAT) \
            .replace(tzinfo=timezone.utc).isoformat()
    return {
        "id": str(msg.get("X-Townhall-Message-Id") or path.stem),
        "file": path.name,
        "to": str(msg.get("To") or msg.get("X-Devmail-Rcpt-To") or ""),
        "from": str(msg.get("From") or ""),
        "subject": str(msg.get("Subject") or ""),
        "received_at": str(received_at or ""),
        "body_text": _text_of(msg),
        "attachments": [p.get_filename() or "" for p in msg.iter_attachments()],
    }


def list_messages(maildir, limit=50):
    """The newest `limit` messages in `maildir`, newest first, each a dict of
    id (our message id, else the file's name), file, to, from, subject,
    received_at (ISO 8601), body_text and attachments (file names). An empty
    list when the directory does not exist yet."""
    maildir = Path(maildir)
    if not maildir.is_dir():
        return []
    names = sorted((p.name for p in maildir.iterdir()
                    if p.name.endswith(SUFFIX) and not p.name.startswith(".")), reverse=True)
    out = []
    for name in names[:max(0, int(limit))]:
        try:
            out.append(read(maildir / name))
        except (OSError, ValueError, LookupError) as e:
            log.warning("skipping %s: %s", name, e)
    return out


async def serve(host, port, maildir, ready=None):
    """Run the server until SIGTERM or SIGINT."""
    from aiosmtpd.smtp import SMTP  # only the server needs aiosmtpd

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    handler = MaildirHandler(maildir)
    server = await loop.create_server(lambda: SMTP(handler, hostname="devmail.localhost"),
                                      host=host, port=port)
    bound = server.sockets[0].getsockname()
    log.info("listening on %s:%s, storing messages in %s", bound[0], bound[1],
             Path(maildir).resolve())
    if ready:
        ready(bound)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        server.close()
        await server.wait_closed()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.devmail",
        description="Development mail server: keeps every message it receives as an .eml file.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", default="var/mail")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s devmail %(message)s")
    # aiosmtpd logs each SMTP command, addresses included; its warnings are enough.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    Path(args.maildir).mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.host, args.port, args.maildir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
