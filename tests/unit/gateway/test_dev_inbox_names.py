"""The development inbox reads only the messages its folder lists."""
import pytest

from gateway.dev.inbox import message_path, paragraphs, received_text

GOOD = "20250305T140509.000000Z-22222222-2222-4222-8222-222222222222.eml"


@pytest.fixture
def maildir(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / GOOD).write_bytes(b"Subject: hi\r\n\r\nhello\r\n")
    (folder / ".hidden.eml").write_bytes(b"")
    (folder / "sub.eml").mkdir()
    (tmp_path / "outside.eml").write_bytes(b"Subject: outside\r\n\r\nsecret\r\n")
    (folder / "link.eml").symlink_to(tmp_path / "outside.eml")
    return folder


def test_a_listed_name_is_found(maildir):
    assert message_path(maildir, GOOD) == maildir / GOOD


@pytest.mark.parametrize("name", [
    "", ".", "..", "../outside.eml", "..\\outside.eml", "/etc/passwd", "%2e%2e/outside.eml",
    ".hidden.eml", "sub.eml", "link.eml", "missing.eml", GOOD[:-4], GOOD + "\0",
    "x" * 300 + ".eml",
])
def test_anything_else_is_not(maildir, name):
    assert message_path(maildir, name) is None


def test_a_folder_that_does_not_exist_has_no_messages(tmp_path):
    assert message_path(tmp_path / "nope", GOOD) is None


def test_text_keeps_its_paragraphs_and_lines():
    assert paragraphs("Dear A,\n\nLine one\nLine two  \n\n\n") == [
        ["Dear A,"], ["Line one", "Line two"]]
    assert paragraphs("") == []


def test_received_time_in_the_councils_time_zone():
    assert received_text("2025-07-01T12:00:00+00:00") == "13:00:00 on 1 Jul 2025"
    assert received_text("") == ""
    assert received_text("not a time") == "not a time"
