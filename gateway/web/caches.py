"""What the gateway keeps a few minutes to save an RPC per request (the
bookings setup, Open311's service codes, housing's questionnaires), each
held by a nameko DependencyProvider: one per container, not per process.

    setup = Cache(TimedValue, ttl=60)       # on the service class
    self.setup.get(lambda: self.rpc.call("bookings", "setup"))
"""
import time

from nameko.extensions import DependencyProvider


class TimedValue:
    """One value, fetched again once it is `ttl` seconds old, or on asking
    for it `fresh`; `clear()` forgets it."""

    def __init__(self, ttl):
        self.ttl = ttl
        self.value = None
        self.fetched_at = 0.0

    def get(self, fetch, fresh=False):
        if fresh or self.value is None or time.monotonic() - self.fetched_at > self.ttl:
            self.value = fetch()
            self.fetched_at = time.monotonic()
        return self.value

    def clear(self):
        self.value = None


class Versions:
    """Definitions by version, each kept `ttl` seconds; asking for no version
    gives the current one, which is also kept `ttl` seconds."""

    def __init__(self, ttl):
        self.ttl = ttl
        self.by_version = {}
        self.current = None

    def get(self, fetch, version=None):
        now = time.monotonic()
        if version is None and self.current and now - self.current[1] <= self.ttl:
            version = self.current[0]
        cached = self.by_version.get(version) if version is not None else None
        if cached is not None and now - cached[1] <= self.ttl:
            return cached[0]
        definition = fetch(version)
        self.by_version[definition["version"]] = (definition, now)
        if version is None:
            self.current = (definition["version"], now)
        return definition

    def clear(self):
        self.by_version.clear()
        self.current = None


class Cache(DependencyProvider):
    """Gives the routes one `kind(**options)` per container, shared by its
    workers."""

    def __init__(self, kind, **options):
        self.kind = kind
        self.options = options
        self.cache = None

    def setup(self):
        self.cache = self.kind(**self.options)

    def get_dependency(self, worker_ctx):
        return self.cache
