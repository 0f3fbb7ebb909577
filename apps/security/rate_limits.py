"""Fixed-window counters in Redis for actions that send mail or cost money (password reset
mail, email-change links): how many times one key may act per window.

One Lua script increments the counter and starts its expiry in a single atomic step, so
concurrent requests can neither both read "under the limit" nor leave a counter without
an expiry (DRF's throttles read, then write; see FIELD-NOTES). Keys name what they count,
never a raw email address: accounts are counted by a keyed hash of the normalised address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# The public cache's Redis database: limits count people and addresses, not firms.
_REDIS_ALIAS = "public"

# KEYS[1]: the counter; ARGV[1]: the window in seconds. Returns the count including this
# attempt and the seconds left in the window.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


@dataclass(frozen=True)
class LimitResult:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends (0 when allowed)


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> LimitResult:
    """Count one attempt of `key` in `scope`; allowed while the window's count <= limit.

    Redis trouble lets the attempt through (logged): an outage must not stop people from
    resetting passwords, and /health/ reports it."""
    redis_key = f"ratelimit:{scope}:{key}"
    try:
        connection = get_redis_connection(_REDIS_ALIAS)
        count, ttl = connection.eval(_HIT, 1, redis_key, window_seconds)
    except RedisError:
        logger.warning("rate limit %s unavailable; attempt allowed", scope)
        return LimitResult(allowed=True, count=0, retry_after=0)
    count, ttl = int(count), int(ttl)
    allowed = count <= limit
    return LimitResult(allowed=allowed, count=count, retry_after=0 if allowed else max(ttl, 1))


def account_key(email: str) -> str:
    """A keyed hash of the normalised address: counts an account (existing or not) without
    writing the address into Redis."""
    normalised = (email or "").strip().lower()
    return hmac.new(settings.SECRET_KEY.encode(), b"rate-limit:" + normalised.encode(),
                    hashlib.sha256).hexdigest()[:32]
