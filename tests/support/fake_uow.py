"""A unit of work for use-case tests without a database: it hands out an
in-memory store (a fake with the real store's methods) and records the
events published, each validated against the service's catalogue as the
real outbox does."""
import pytest

from services.kit.rules import RuleBroken


class FakeUnitOfWork:
    def __init__(self, store, catalogue):
        self.store = store
        self.catalogue = catalogue
        self.events = []  # (event_type, data), in the order published

    def publish(self, event_type, data, occurred_at=None, headers=None):
        envelope = self.catalogue.build(event_type, data, "test-correlation", occurred_at)
        self.events.append((event_type, envelope["data"]))
        return envelope

    def published(self, event_type):
        """The data of each event of this type, in order."""
        return [data for kind, data in self.events if kind == event_type]


def refused(call, *args, **kwargs):
    """The RuleBroken that `call(*args, **kwargs)` raises."""
    with pytest.raises(RuleBroken) as caught:
        call(*args, **kwargs)
    return caught.value
