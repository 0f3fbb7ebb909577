"""QuickBooks' limits, kept across every worker: per company at most QUICKBOOKS_PER_MINUTE
requests in any 60 s and QUICKBOOKS_CONCURRENT at once, and a platform-wide cap per minute
across all companies.

One Lua script decides atomically in Redis (a sorted set of request times per company and
globally, a sorted set of leases for concurrency), so two workers can never both take the
last slot. A lease expires on its own if a worker dies holding it.

The defaults sit a little under QuickBooks' published 500/min and 10 at once: our clock
starts a request before QuickBooks' does and ends it after, and a 429 costs more than the
headroom (tests compare the fake server's own counters with the limits).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django_redis import get_redis_connection

_ACQUIRE = """
local now = tonumber(ARGV[1])
local per_minute = tonumber(ARGV[2])
local concurrent = tonumber(ARGV[3])
local global_cap = tonumber(ARGV[4])
local lease = ARGV[5]
local lease_ms = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[3]) >= concurrent then return 25 end
if redis.call('ZCARD', KEYS[1]) >= per_minute then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + 60000 - now)
end
if redis.call('ZCARD', KEYS[2]) >= global_cap then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + 60000 - now)
end
redis.call('ZADD', KEYS[1], now, lease)
redis.call('ZADD', KEYS[2], now, lease)
redis.call('ZADD', KEYS[3], now + lease_ms, lease)
redis.call('PEXPIRE', KEYS[1], 61000)
redis.call('PEXPIRE', KEYS[2], 61000)
redis.call('PEXPIRE', KEYS[3], lease_ms + 1000)
return 0
"""


class RateLimitTimeout(Exception):
    """No slot within the wait budget: the caller gives up this round and retries later."""


def _redis():
    return get_redis_connection("public")


def _keys(realm_id: str) -> list[str]:
    return [f"qbo:rpm:{realm_id}", "qbo:rpm:global", f"qbo:inflight:{realm_id}"]


@contextmanager
def quickbooks_slot(realm_id: str, *, max_wait: float = 120.0) -> Iterator[None]:
    """Hold one request slot of `realm_id` for the duration of the block."""
    redis = _redis()
    script = redis.register_script(_ACQUIRE)
    lease = uuid.uuid4().hex
    keys = _keys(realm_id)
    deadline = time.monotonic() + max_wait
    while True:
        wait_ms = script(keys=keys, args=[
            int(time.time() * 1000), settings.QUICKBOOKS_PER_MINUTE,
            settings.QUICKBOOKS_CONCURRENT, settings.QUICKBOOKS_GLOBAL_PER_MINUTE, lease,
            int(settings.QUICKBOOKS_REQUEST_TIMEOUT * 1000) + 5000])
        if wait_ms == 0:
            break
        if time.monotonic() + wait_ms / 1000 > deadline:
            raise RateLimitTimeout(f"no QuickBooks request slot for company {realm_id} "
                                   f"within {max_wait:.0f} s")
        time.sleep(min(wait_ms, 1000) / 1000)
    try:
        yield
    finally:
        redis.zrem(keys[2], lease)


def quickbooks_back_off(realm_id: str, seconds: float) -> None:
    """QuickBooks said 429: fill the company's minute so no worker asks again before
    `Retry-After` has passed."""
    redis = _redis()
    now = int(time.time() * 1000)
    until = now - 60000 + int(seconds * 1000)
    filler = {f"backoff:{uuid.uuid4().hex}:{n}": until
              for n in range(settings.QUICKBOOKS_PER_MINUTE)}
    redis.zadd(_keys(realm_id)[0], filler)
    redis.pexpire(_keys(realm_id)[0], 61000)
