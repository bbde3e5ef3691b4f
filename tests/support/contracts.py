"""A service's RPC proxy whose replies are each checked against the schema
the service publishes for them in its contract (`REPLIES`), so a service's
own tests keep its replies to what the other parts accept."""
from services.kit.schemas import instance


class Checked:
    def __init__(self, proxy, replies):
        self._proxy = proxy
        self._replies = replies

    def __getattr__(self, name):
        method = getattr(self._proxy, name)
        schema = self._replies.get(name)
        if schema is None:
            return method

        def call(*args, **kwargs):
            reply = method(*args, **kwargs)
            errors = instance(schema).validate(reply)
            assert errors == {}, f"{name} broke its contract: {errors}"
            return reply
        return call
