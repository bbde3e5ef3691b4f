"""Sending one claimed message: a send that may have gone is looked for
first, and stays in doubt if the provider cannot be asked."""
import uuid

from services.notify import app
from services.notify.providers import SendFailed, SendResult


class Provider:
    """Answers find and send from lists, and records what it was asked."""

    def __init__(self, found=None, find_fails=False, send_fails=None):
        self.found, self.find_fails, self.send_fails = found, find_fails, send_fails
        self.calls = []

    def find(self, message_id):
        self.calls.append("find")
        if self.find_fails:
            raise SendFailed("temporary", "rate limited", retry_after=1)
        return self.found

    def send(self, message):
        self.calls.append("send")
        if self.send_fails:
            raise self.send_fails
        return SendResult("notify", "n-1", "created")


def row(uncertain):
    return {"id": uuid.uuid4(), "channel": "sms", "to_address": "+447700900982",
            "subject": None, "body": "Hello", "attachment": None, "attachment_name": None,
            "template_id": "slot-booked", "template_version": 1, "uncertain": uncertain}


def test_a_certain_message_is_sent_without_asking():
    provider = Provider()
    assert isinstance(app.attempt({"sms": provider}, row(False)), SendResult)
    assert provider.calls == ["send"]


def test_a_message_found_at_the_provider_is_not_sent_again():
    found = SendResult("notify", "n-0", "delivered")
    provider = Provider(found=found)
    assert app.attempt({"sms": provider}, row(True)) is found
    assert provider.calls == ["find"]


def test_a_message_not_found_is_sent():
    provider = Provider(found=None)
    assert isinstance(app.attempt({"sms": provider}, row(True)), SendResult)
    assert provider.calls == ["find", "send"]


def test_when_the_provider_cannot_be_asked_the_message_stays_in_doubt():
    provider = Provider(find_fails=True)
    failed = app.attempt({"sms": provider}, row(True))
    assert isinstance(failed, SendFailed) and failed.uncertain
    assert provider.calls == ["find"]


def test_a_refused_send_is_returned_not_raised():
    refusal = SendFailed("permanent", "not a mobile number")
    failed = app.attempt({"sms": Provider(send_fails=refusal)}, row(False))
    assert failed is refusal and not failed.uncertain
