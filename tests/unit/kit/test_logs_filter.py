"""The log filter keeps message bodies out of the logs."""
import logging

from services.kit.logs import service_filter


def record(msg, *args):
    return logging.LogRecord("nameko.rpc", logging.DEBUG, __file__, 1, msg, args, None)


def test_rpc_reply_bodies_are_dropped_and_the_rest_stamped():
    f = service_filter("housing")
    reply = record("RPC reply event complete %s %s", "<reply>", {"result": {"email": "x"}})
    other = record("Waiting for RPC reply event %s", "<reply>")
    assert f.filter(reply) is False
    assert f.filter(other) is True
    assert other.service == "housing"


def test_a_refused_answer_is_logged_by_its_class_only():
    from marshmallow import ValidationError
    f = service_filter("housing")
    exc = ValidationError({"leave_date": ["You said 2031-07-17, before the notice"]})
    rec = logging.LogRecord("nameko.containers", logging.ERROR, __file__, 1,
                            "error handling worker %s: %s", ("<worker>", exc), None)
    rec.exc_info = (type(exc), exc, None)
    assert f.filter(rec) is True
    assert "2031" not in rec.getMessage() and rec.exc_info is None
    assert rec.getMessage().endswith("ValidationError") and rec.levelname == "INFO"


def test_a_real_fault_keeps_its_message_and_trace():
    f = service_filter("housing")
    exc = KeyError("missing")
    rec = logging.LogRecord("nameko.containers", logging.ERROR, __file__, 1,
                            "error handling worker %s: %s", ("<worker>", exc), None)
    rec.exc_info = (type(exc), exc, None)
    f.filter(rec)
    assert "missing" in rec.getMessage() and rec.exc_info is not None
