"""The development inbox (/dev/inbox): the emails the development mail server
kept, shown only by a gateway whose DEV_INBOX_DIR names its folder."""
from datetime import datetime, timezone
from email.message import EmailMessage

import pytest

from tools import devmail

HTML = {"Accept": "text/html"}


def email(to, subject, body, message_id, attachment=None):
    msg = EmailMessage()
    msg["From"] = "noreply@townhall.example"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}@townhall.example>"
    msg["X-Townhall-Message-Id"] = message_id
    msg.set_content(body)
    if attachment:
        msg.add_attachment(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", maintype="text",
                           subtype="calendar", filename=attachment)
    return msg.as_bytes()


def main_content(html):
    return html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.fixture(scope="module")
def maildir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mail")
    devmail.store(folder, email(
        "older@example.com", "Your missed bin report", "We have your report.\n",
        "11111111-1111-4111-8111-111111111111"),
        rcpt_tos=["older@example.com"],
        received_at=datetime(2025, 3, 4, 9, 15, 0, tzinfo=timezone.utc))
    devmail.store(folder, email(
        "resident@example.com", "Your appointment is booked",
        "Dear resident,\n\nYour appointment is at 10:30am on Tuesday.\nBring this email.\n",
        "22222222-2222-4222-8222-222222222222", attachment="appointment.ics"),
        rcpt_tos=["resident@example.com"],
        received_at=datetime(2025, 3, 5, 14, 5, 9, tzinfo=timezone.utc))
    # not messages: a half-written file and something else in the folder
    (folder / ".20250306T000000.000000Z-x.eml.abc.tmp").write_bytes(b"Subject: half\r\n")
    (folder / "notes.txt").write_text("not an email")
    # a message outside the folder, which no URL may reach
    (folder.parent / "outside.eml").write_bytes(
        b"To: secret@example.com\r\nSubject: Outside\r\n\r\nsecret body\r\n")
    return folder


@pytest.fixture(scope="module")
def inbox_gateway(main_scenario, maildir):
    return main_scenario.gateway(DEV_INBOX_DIR=str(maildir))


def test_the_inbox_lists_messages_newest_first(inbox_gateway):
    response = inbox_gateway.get("/dev/inbox", headers=HTML)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert "<title>Development inbox" in html
    assert "govuk-table" in html
    assert "resident@example.com" in html and "Your appointment is booked" in html
    assert "older@example.com" in html and "Your missed bin report" in html
    assert html.index("Your appointment is booked") < html.index("Your missed bin report")
    # received times, in the council's time zone (London: GMT in early March)
    assert "14:05:09 on 5 Mar 2025" in html
    assert "half" not in html and "not an email" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_a_message_page_shows_its_headers_body_and_attachments(inbox_gateway, maildir):
    name = sorted(p.name for p in maildir.glob("*.eml"))[-1]
    html = inbox_gateway.get("/dev/inbox", headers=HTML).text
    assert f'href="/dev/inbox/{name}"' in html

    response = inbox_gateway.get(f"/dev/inbox/{name}", headers=HTML)
    assert response.status_code == 200
    html = response.text
    assert "<title>Your appointment is booked" in html
    assert "resident@example.com" in html
    assert "noreply@townhall.example" in html
    assert "14:05:09 on 5 Mar 2025" in html
    assert "Your appointment is at 10:30am on Tuesday.<br>Bring this email." in html
    assert "Dear resident," in html
    assert "appointment.ics" in html
    assert 'href="/dev/inbox"' in html


@pytest.mark.parametrize("path", [
    "/dev/inbox/..%2F..%2Fetc%2Fpasswd",
    "/dev/inbox/..%2Foutside.eml",
    "/dev/inbox/%2E%2E%2Foutside.eml",
    "/dev/inbox/..",
    "/dev/inbox/notes.txt",
    "/dev/inbox/.20250306T000000.000000Z-x.eml.abc.tmp",
    "/dev/inbox/20990101T000000.000000Z-nothing.eml",
    "/dev/inbox/..%5Coutside.eml",
])
def test_only_messages_in_the_folder_can_be_read(inbox_gateway, path):
    response = inbox_gateway.get(path, headers=HTML, allow_redirects=False)
    assert response.status_code == 404
    assert "secret body" not in response.text and "root:" not in response.text
    assert "Page not found" in response.text


def test_the_home_page_links_to_the_inbox_only_when_it_is_on(inbox_gateway, gateway):
    assert 'href="/dev/inbox"' in inbox_gateway.get("/", headers=HTML).text
    assert "/dev/inbox" not in gateway.get("/", headers=HTML).text


def test_without_dev_inbox_dir_there_is_no_inbox(gateway, maildir):
    assert not gateway.config.get("DEV_INBOX_DIR")
    unknown = gateway.get("/no/such/page", headers=HTML)
    name = sorted(p.name for p in maildir.glob("*.eml"))[-1]
    for path in ("/dev/inbox", f"/dev/inbox/{name}"):
        response = gateway.get(path, headers=HTML)
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Page not found" in response.text
        assert "There is nothing at this address" in response.text
        # the same page as any address that does not exist
        assert main_content(response.text) == main_content(unknown.text)
        assert "Your appointment is booked" not in response.text


def test_an_empty_or_missing_folder_says_there_are_no_emails(main_scenario, tmp_path):
    gateway = main_scenario.gateway(DEV_INBOX_DIR=str(tmp_path / "not-made-yet"))
    response = gateway.get("/dev/inbox", headers=HTML)
    assert response.status_code == 200
    assert "No emails yet" in response.text
