"""A plain queue a test binds before anything publishes, then drains."""
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
