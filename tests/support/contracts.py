"""A service's RPC proxy whose replies are each checked against the schema
the service publishes for them in its contract (`REPLIES`), so a service's
own tests keep its replies to what the other parts accept."""
import contextlib

from nameko.standalone.rpc import ServiceRpcProxy

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


@contextlib.contextmanager
def checked_service(container_factory, service_cls, config, replies):
    """Starts `service_cls` with `config` (through nameko's container_factory)
    and gives a Checked proxy to it, the container at `.container`."""
    container = container_factory(service_cls, config)
    container.start()
    with ServiceRpcProxy(service_cls.name, config) as proxy:
        proxy.container = container
        yield Checked(proxy, replies)
