"""RPC with a deadline. nameko 2.14's proxy waits for ever; a caller here
gives up after `timeout` seconds, and its request expires in the broker, so
a service that comes back later does not run work nobody waits for."""
import eventlet
from nameko.rpc import ServiceProxy


class CallTimedOut(Exception):
    """No answer in time: the call may yet be carried out."""


def call(worker_ctx, reply_listener, timeout, service, method, *args, **kwargs):
    """`service`.`method`(*args, **kwargs) from a worker, or CallTimedOut.
    nameko's own errors (RemoteError, UnknownService) pass through."""
    proxy = ServiceProxy(worker_ctx, service, reply_listener, expiration=timeout)
    reply = None
    deadline = eventlet.Timeout(timeout)
    try:
        reply = getattr(proxy, method).call_async(*args, **kwargs)
        return reply.result()
    except eventlet.Timeout as exc:
        if exc is not deadline:
            raise
        _forget_reply(reply_listener, reply)
        raise CallTimedOut(f"{service}.{method} did not answer in {timeout} s") from None
    finally:
        deadline.cancel()


def _forget_reply(reply_listener, reply):
    # nameko keeps a reply event per call until its reply comes: drop an
    # abandoned one so calls that timed out do not pile up
    if reply is None:
        return
    events = reply_listener._reply_events
    for key, event in list(events.items()):
        if event is reply.reply_event:
            events.pop(key, None)
            break
