"""Idempotency keys for write requests, kept in Redis.

A client that may retry (a resident double-clicking, a flaky mobile network)
sends `Idempotency-Key: <unique string>` with a POST/PUT/PATCH/DELETE:

- first time: the request runs; its response (status, headers, body) is kept
  for IDEMPOTENCY_TTL_SECONDS (24 h), under the client's identity, the
  method and path, and the key;
- again with the same body: the kept response is returned as it was, with
  `Idempotent-Replayed: true`, and nothing runs a second time;
- again with a different body: 422, the key is already spent;
- again while the first is still running: 409, try again shortly.

Only successful responses (below 400) are kept. A definite failure, a 4xx or
a 5xx after which the service surely did nothing (it raised, it is not
running, the broker refused the call), frees the key: nothing happened, so
the client may fix the request or simply retry with the same key.

An RPC that timed out is different: the service may still carry the command
out. The key then stays locked for IDEMPOTENCY_LOCK_SECONDS (60 s) after the
503, and a retry in that time gets 409 ("Your earlier request is still being
processed") instead of running the command a second time.

That lock cannot cover a service that finishes later still, so the gateway
also hands every RPC made for a keyed request the context data entry
`idempotency_key` (see `scoped_key`): a digest of the client's identity, the
method, the path and the key, stable across retries and never shared by two
clients. A service that creates something should store it with what it
creates (a unique column) and, on seeing it again, return what it made the
first time. Like the correlation id, nameko sends it on with the RPC calls
that service makes in turn.

If Redis cannot be reached the request is refused with 503 rather than run
without the guarantee the client asked for.
"""
import base64
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass

import redis

from gateway.web.errors import BadRequest, Conflict, ServiceUnavailable, Unprocessable

log = logging.getLogger("gateway.idempotency")  # the name logs knew it by

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CONTEXT_KEY = "idempotency_key"
MAX_KEY_LENGTH = 255
# these describe one delivery, not the stored result
NOT_REPLAYED = frozenset({"set-cookie", "x-request-id", "date", "content-length"})

# write the final record only if the pending record is still ours
_FINISH = """
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['owner'] == ARGV[1] then
  if ARGV[2] == '' then
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
  end
  return 1
end
return 0
"""


@dataclass
class Claim:
    redis_key: str
    owner: str
    fingerprint: str
    scoped_key: str = ""


@dataclass
class Replay:
    status: int
    headers: list
    body: bytes


def fingerprint(method, path, query, body, credentials=""):
    """What makes two requests the same request; `credentials` (a resident's
    secret headers) included, so a key alone never replays someone's answer."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query or b"", body or b"",
                 credentials.encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def scoped_key(identity, method, path, key):
    """The client's key made unique to them and to the route. Hashed, so that
    neither the key nor the path is stored or forwarded in clear."""
    raw = "\n".join((identity, method, path, key)).encode()
    return hashlib.sha256(raw).hexdigest()


def validate_key(key):
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise BadRequest(
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable "
            "characters, like a UUID",
            code="invalid_idempotency_key",
            fields={HEADER: ["Use a new random value, like a UUID, for each request"]})
    return key


class IdempotencyStore:
    def __init__(self, client: redis.Redis, prefix, ttl=24 * 3600, lock_ttl=60):
        self.redis = client
        self.prefix = prefix
        self.ttl = ttl
        self.lock_ttl = lock_ttl
        self._finish = client.register_script(_FINISH)

    def _redis_key(self, scoped):
        return f"{self.prefix}:idem:{scoped}"

    def begin(self, *, identity, method, path, key, fingerprint):
        """A Claim to run the request, or a Replay of the first response.
        Raises Conflict (still running) or Unprocessable (different body)."""
        scoped = scoped_key(identity, method, path, validate_key(key))
        redis_key = self._redis_key(scoped)
        owner = str(uuid.uuid4())
        pending = json.dumps({"state": "pending", "owner": owner,
                              "fingerprint": fingerprint})
        try:
            for _ in range(3):
                if self.redis.set(redis_key, pending, nx=True, ex=self.lock_ttl):
                    return Claim(redis_key, owner, fingerprint, scoped)
                raw = self.redis.get(redis_key)
                if raw is not None:
                    break
            else:
                raise ServiceUnavailable("Try again in a moment")
            record = json.loads(raw)
            retry_after = None
            if record.get("state") == "unknown":
                retry_after = max(1, self.redis.ttl(redis_key))
        except redis.RedisError as exc:
            log.error("idempotency store unavailable: %s", exc)
            raise ServiceUnavailable(
                "Requests with an Idempotency-Key cannot be accepted at the "
                "moment. Try again later")
        if record.get("fingerprint") != fingerprint:
            raise Unprocessable(
                f"This {HEADER} was already used for a different request. "
                "Use a new key for a new request",
                code="idempotency_key_reused")
        if record.get("state") == "unknown":
            raise Conflict(
                "Your earlier request is still being processed. Try again in "
                "a minute",
                code="idempotency_in_progress",
                headers={"Retry-After": str(retry_after)})
        if record.get("state") != "done":
            raise Conflict(
                f"A request with this {HEADER} is still being processed. "
                "Try again in a moment",
                code="idempotency_in_progress", headers={"Retry-After": "1"})
        return Replay(record["status"], record["headers"],
                      base64.b64decode(record["body"]))

    def finish(self, claim: Claim, status, headers, body):
        """Keeps a successful response for replay; frees the key after a
        definite failure (4xx, 5xx)."""
        if status >= 400:
            return self.release(claim)
        record = json.dumps({
            "state": "done", "owner": claim.owner,
            "fingerprint": claim.fingerprint, "status": status,
            "headers": [[k, v] for k, v in headers if k.lower() not in NOT_REPLAYED],
            "body": base64.b64encode(body).decode("ascii")})
        try:
            self._finish(keys=[claim.redis_key], args=[claim.owner, record, self.ttl])
        except redis.RedisError as exc:
            log.error("could not keep the idempotent response: %s", exc)

    def hold(self, claim: Claim):
        """The outcome is unknown (an RPC timed out): keep the key locked for
        lock_ttl from now so a retry gets 409 rather than a second run."""
        record = json.dumps({"state": "unknown", "owner": claim.owner,
                             "fingerprint": claim.fingerprint})
        try:
            self._finish(keys=[claim.redis_key],
                         args=[claim.owner, record, self.lock_ttl])
        except redis.RedisError as exc:
            log.error("could not keep the idempotency key locked: %s", exc)

    def release(self, claim: Claim):
        try:
            self._finish(keys=[claim.redis_key], args=[claim.owner, "", 0])
        except redis.RedisError as exc:
            log.error("could not free the idempotency key: %s", exc)
