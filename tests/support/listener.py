"""A plain queue a test binds before anything publishes, then drains."""
import contextlib
import time

import kombu


class Listener:
    def __init__(self, uri, name, exchange, routing_key="", arguments=None):
        self.conn = kombu.Connection(uri)
        self.queue = kombu.Queue(name, exchange=exchange, routing_key=routing_key,
                                 binding_arguments=arguments, durable=False,
                                 auto_delete=False)(self.conn.channel())
        self.queue.declare()
        self.queue.purge()

    def _drain_until(self, got, stop_at, expected=None):
        while time.monotonic() < stop_at and (expected is None or len(got) < expected):
            message = self.queue.get(no_ack=True, accept=["json"])
            if message is None:
                time.sleep(0.01)
            else:
                got.append(message)

    def collect(self, expected, timeout=5.0, settle=0.0):
        """Messages received until `expected` arrive (then `settle` seconds
        more, to catch duplicates) or `timeout` passes."""
        got = []
        self._drain_until(got, time.monotonic() + timeout, expected)
        self._drain_until(got, time.monotonic() + settle)
        return got

    def close(self):
        self.queue.delete()
        self.conn.release()


@contextlib.contextmanager
def event_listeners(uri, service, test_name):
    """Yields make(event_type) -> a Listener on `service`'s events, or
    make(exchange=..., arguments=...) on another exchange; all are deleted
    afterwards. For a `listen` fixture."""
    made = []
    topic = kombu.Exchange(f"{service}.events", type="topic", durable=True)

    def make(event_type=None, exchange=None, arguments=None):
        name = f"test-{service}-{test_name[:50]}-{len(made)}"
        listener = Listener(uri, name, exchange or topic, routing_key=event_type or "",
                            arguments=arguments)
        made.append(listener)
        return listener

    try:
        yield make
    finally:
        for listener in made:
            listener.close()
