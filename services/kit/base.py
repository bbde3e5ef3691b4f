"""Entry points every Townhall service answers, whatever its domain.

Services subclass `ServiceBase` through the module (`base.ServiceBase`), not
by importing the class: `nameko run` treats every class with entrypoints in a
service module as a service to start.
"""
from services.kit.logs import CorrelationId
from services.kit.providers import HealthProvider, rpc


class ServiceBase:
    correlation_id = CorrelationId()
    health_report = HealthProvider()

    @rpc
    def health(self):
        """Database and broker reachable, version, uptime, outbox backlog."""
        return self.health_report()

    @rpc
    def echo(self, message):
        """The bare RPC round trip, for probes and the gateway benchmark."""
        return {"message": message, "service": self.name}
