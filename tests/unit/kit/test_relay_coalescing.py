"""The relay waits briefly for more commits while batches are small, and
longer once they grow."""
from services.kit.outbox import BUSY_BATCH, OutboxRelay


class Waits:
    def __init__(self):
        self.seen = []

    def wait(self, seconds):
        self.seen.append(seconds)

    def is_set(self):
        return False

    def set(self):
        pass


def relay_after(batch):
    relay = OutboxRelay("postgresql://unused", "amqp://unused", coalesce=0.002,
                        coalesce_busy=0.025)
    relay._stopped = Waits()
    relay._last_batch = batch
    relay.nudge([1])
    relay.nudge([2, 3])
    return relay


def test_a_quiet_relay_waits_briefly_and_gathers_what_queued():
    relay = relay_after(1)
    assert relay._wait_for_work() == [1, 2, 3]
    assert relay._stopped.seen == [0.002]


def test_a_busy_relay_waits_longer():
    relay = relay_after(BUSY_BATCH)
    relay._wait_for_work()
    assert relay._stopped.seen == [0.025]
