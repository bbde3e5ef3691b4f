"""Rate limits on writes, per client, shared by every gateway instance.

A moving window in Redis (the `limits` library): anonymous clients are
counted by IP address, an IPv6 client by its /64 prefix
(RATE_LIMIT_ANONYMOUS_WRITES, default 60/minute),
signed-in staff and API clients by who they are (RATE_LIMIT_STAFF_WRITES).
A route may set its own, stricter limit, counted separately.

If Redis is down, requests are let through and the failure is logged:
refusing every resident because a counter is missing would be worse.
"""
import logging
import math
import time

from limits import parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from gateway.web.errors import TooManyRequests

log = logging.getLogger("gateway.ratelimit")  # the name logs knew it by


class RateLimiter:
    def __init__(self, redis_url, *, prefix, anonymous, staff):
        storage = RedisStorage(redis_url, key_prefix=f"{prefix}:rl",
                               socket_timeout=1.0, socket_connect_timeout=1.0)
        self.limiter = MovingWindowRateLimiter(storage)
        self.anonymous = parse(anonymous)
        self.staff = parse(staff)

    def check(self, identity, *, signed_in, scope="writes", limit=None):
        """Counts one request; raises TooManyRequests with Retry-After once
        the client is over its limit."""
        item = parse(limit) if limit else (self.staff if signed_in else self.anonymous)
        try:
            if self.limiter.hit(item, scope, identity):
                return
            reset_at = self.limiter.get_window_stats(item, scope, identity).reset_time
        except Exception as exc:  # any storage failure: fail open
            log.warning("rate limit store unavailable, request let through: %s", exc)
            return
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(
            f"Too many requests. Wait {retry_after} seconds and try again",
            headers={"Retry-After": str(retry_after)})
