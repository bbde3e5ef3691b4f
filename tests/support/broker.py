"""Private RabbitMQ vhosts for a test run, made and removed through the
management API, so tests never meet a running platform's queues and leave
nothing behind: one vhost for the run (`uri`), and fresh ones on demand
(`scenario()`) where two sets of services must not share `rpc-<service>`
queues."""
import time
import urllib.parse
import uuid

import requests

from services.kit import config, topology


class Broker:
    def __init__(self, prefix="townhall-test", management=None):
        self.management = management or topology.management_url()
        parts = urllib.parse.urlsplit(self.management)
        self.api = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}/api"
        self.auth = (urllib.parse.unquote(parts.username or "guest"),
                     urllib.parse.unquote(parts.password or "guest"))
        self.vhost = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.uri = topology.vhost_uri(config.amqp_uri(), self.vhost)
        self.made = []

    def reachable(self, timeout=5):
        """Whether the management API answers at all (a busy one may answer
        slowly or with an error, and still make vhosts a moment later)."""
        try:
            requests.get(f"{self.api}/overview", auth=self.auth, timeout=timeout)
            return True
        except requests.RequestException:
            return False

    def _url(self, *parts):
        return "/".join([self.api] + [urllib.parse.quote(p, safe="") for p in parts])

    def _create(self, vhost):
        # the management API can be slow while other suites load the broker
        for attempt in range(3):
            try:
                topology.create_vhost(vhost, self.management)
                break
            except requests.RequestException:
                if attempt == 2:
                    raise
                time.sleep(1)
        self.made.append(vhost)

    def create(self):
        """Makes the run's own vhost, `self.vhost` at `self.uri`."""
        self._create(self.vhost)

    def scenario(self):
        """(AMQP URI, name) of a fresh, empty vhost of its own; the name also
        serves as the scenario's rpc exchange."""
        name = f"{self.vhost}-{len(self.made)}"
        self._create(name)
        return topology.vhost_uri(config.amqp_uri(), name), name

    def delete(self):
        """Removes every vhost this Broker made."""
        for vhost in self.made:
            topology.delete_vhost(vhost, self.management)
        self.made = []

    def delete_queues_bound_to(self, exchange):
        """Leaves an exchange with no subscribers, whatever earlier tests made."""
        resp = requests.get(self._url("exchanges", self.vhost, exchange, "bindings", "source"),
                            auth=self.auth, timeout=10)
        if resp.status_code == 404:
            return
        for binding in resp.json():
            if binding["destination_type"] == "queue":
                requests.delete(self._url("queues", self.vhost, binding["destination"]),
                                auth=self.auth, timeout=10)

    def queue_depth(self, name):
        resp = requests.get(self._url("queues", self.vhost, name), auth=self.auth, timeout=10)
        if resp.status_code == 404:
            return None
        return resp.json().get("messages", 0)
