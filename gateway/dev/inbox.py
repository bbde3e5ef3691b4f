"""The development inbox: the emails the development mail server
(tools/devmail.py) has received, as GOV.UK pages.

    GET /dev/inbox          the newest messages: when, to whom, subject
    GET /dev/inbox/<name>   one message: its headers, text and attachment names

A mixin of GatewayService (gateway/service.py), which supplies `pages` and
`settings`. The pages exist only when DEV_INBOX_DIR names the mail server's
folder, which `make up` sets for the gateway on a developer's machine and no
other deployment does; without it both answer 404 like any address that
does not exist. They show whole messages, residents' addresses included, to
anyone who can reach the gateway: never set DEV_INBOX_DIR where real
people's mail is sent.

A message is named in the URL by its file name, and only a name that
`devmail.list_messages` would show (a visible .eml file directly in the
folder) is read, so no URL reaches a file outside it.
"""
import logging
import os
from pathlib import Path
from urllib.parse import quote

from tools import devmail

from gateway.web import errors
from gateway.web.http import page
from gateway.web.words import local_moment

log = logging.getLogger("gateway.devinbox_routes")  # the name logs knew it by

BASE = "/dev/inbox"
LIMIT = 50
_NAME_MAX = 255


def message_path(maildir, name):
    """The file of the message called `name` in `maildir`, or None when no
    such message is there. The name must be one the folder's listing holds,
    so "..", separators, hidden and temporary files never match."""
    if (not name or len(name) > _NAME_MAX or name.startswith(".")
            or not name.endswith(devmail.SUFFIX)
            or any(c in name for c in ("/", "\\", "\0"))):
        return None
    try:
        with os.scandir(maildir) as entries:
            found = any(e.name == name and e.is_file(follow_symlinks=False)
                        for e in entries)
    except OSError:
        return None
    return Path(maildir) / name if found else None


def received_text(value):
    """14:05:09 on 3 Jun 2025, in the council's time zone."""
    moment = local_moment(value) if value else None
    if moment is None:
        return str(value or "")
    return f"{moment:%H:%M:%S} on {moment.day} {moment:%b %Y}"


def paragraphs(text):
    """The text as paragraphs of lines, for a page that wraps long lines
    (the CSP allows no inline style to make a <pre> wrap)."""
    out, current = [], []
    for line in text.rstrip().split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _summary(message):
    return {
        "url": f"{BASE}/{quote(message['file'], safe='')}",
        "file": message["file"],
        "to": message["to"],
        "from": message["from"],
        "subject": message["subject"],
        "received": received_text(message["received_at"]),
        "received_at": message["received_at"],
    }


class DevInboxRoutes:

    def _dev_inbox_dir(self):
        """The mail server's folder; 404, as for any unknown address, when the
        development inbox is off."""
        folder = self.settings.dev_inbox_dir
        if not folder:
            raise errors.NotFound()
        return Path(folder)

    @page("GET", BASE)
    def dev_inbox_page(self, request):
        """Development inbox: the emails sent on this machine"""
        maildir = self._dev_inbox_dir()
        messages = devmail.list_messages(maildir, limit=LIMIT)
        return self.pages.render(request, "devinbox_list.html", {
            "messages": [_summary(m) for m in messages], "limit": LIMIT,
            "maildir": str(maildir)})

    @page("GET", f"{BASE}/<name>")
    def dev_inbox_message_page(self, request, name):
        """One email in the development inbox"""
        maildir = self._dev_inbox_dir()
        path = message_path(maildir, name)
        if path is None:
            raise errors.NotFound("There is no such email in the development inbox")
        try:
            message = devmail.read(path)
        except FileNotFoundError:
            raise errors.NotFound("There is no such email in the development inbox")
        except (OSError, ValueError, LookupError) as exc:
            log.warning("cannot read %s from the development inbox: %s", name, exc)
            raise errors.NotFound("That email could not be read")
        return self.pages.render(request, "devinbox_message.html", {
            "message": _summary(message), "paragraphs": paragraphs(message["body_text"]),
            "attachments": [a or "(no name)" for a in message["attachments"]]})
