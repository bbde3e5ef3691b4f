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
