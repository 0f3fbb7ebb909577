"""Request throttles: per API key, per signed-in user and per anonymous address.

Throttling limits load and scraping; it is not the brute-force defence (django-axes is).

DRF's stock throttle keeps a list of every request time in the cache and rewrites it on
each request: at 600/minute that is a 600-element list read, unpickled, pickled and
written per request, growing with the rate. Ours is a sliding-window counter: two
integer counters per client (this window and the last one) updated with one pipelined
round trip to Redis, whatever the rate. The estimate weighs the previous window by how
much of it still overlaps the sliding window, the scheme Cloudflare and Redis' own docs
describe; it never lets through more than the rate over any window by more than the
previous window's leftover share.
"""

from __future__ import annotations

import logging
import math
import time

from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from apps.security.models import ApiKey

logger = logging.getLogger(__name__)

# The public cache's Redis database: throttles count clients, not firms.
_REDIS_ALIAS = "public"


class SlidingWindowThrottle(SimpleRateThrottle):
    """`SimpleRateThrottle` (rates, scopes, keys) with O(1) counting in Redis."""

    timer = time.time

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            pipe = get_redis_connection(_REDIS_ALIAS).pipeline(transaction=False)
            self.queue(pipe)
            current, _, previous = pipe.execute()
        except RedisError:
            # Redis down: serve rather than refuse everyone; /health/ reports the outage.
            logger.warning("throttle counters unavailable; request allowed")
            return True
        return self.decide(current, previous)

    def queue(self, pipe) -> None:
        """Add this request's three commands to `pipe` (so callers can batch them with
        their own); `decide` takes their results."""
        self.now = self.timer()
        self.window = int(self.now // self.duration)
        current_key = f"throttle:{self.key}:{self.window}"
        pipe.incr(current_key)
        # Kept for two windows: the next window still reads it as its "previous".
        pipe.expire(current_key, self.duration * 2)
        pipe.get(f"throttle:{self.key}:{self.window - 1}")

    def decide(self, current: int, previous: bytes | None) -> bool:
        elapsed_share = (self.now - self.window * self.duration) / self.duration
        self.previous = int(previous or 0)
        self.estimate = self.previous * (1 - elapsed_share) + current
        # `current` includes this request: the limit is reached when it is over the rate.
        if self.estimate <= self.num_requests:
            return True
        # Refused requests do not count (as with DRF's throttle): a client retrying too
        # fast is not kept out for longer than its own allowed requests warrant.
        self.current = current - 1
        try:
            get_redis_connection(_REDIS_ALIAS).decr(f"throttle:{self.key}:{self.window}")
        except RedisError:
            logger.warning("throttle counter not corrected after a refusal")
        return False

    def wait(self) -> float | None:
        """Seconds until one more request fits under the rate (for Retry-After), assuming
        no other request meanwhile: the previous window's share shrinks as it slides."""
        room = self.num_requests - self.current - 1  # what the old share must fall to
        window_start = self.window * self.duration
        if self.previous and room >= 0:
            fits_at = window_start + (1 - room / self.previous) * self.duration
        else:  # this window alone is full: wait for it to become the "previous" one
            over = max(self.current + 1 - self.num_requests, 0)
            fits_at = window_start + (1 + over / max(self.current, 1)) * self.duration
        return max(1.0, math.ceil(fits_at - self.now))


class ApiKeyRateThrottle(SlidingWindowThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return f"{self.scope}:{request.auth.prefix}"
        return None


class SignedInUserRateThrottle(SlidingWindowThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        user = request.user
        if user and user.is_authenticated and user.pk is not None:
            return f"{self.scope}:{user.pk}"
        return None


class AnonymousRateThrottle(SlidingWindowThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if getattr(request, "anonymous_throttle_counted", False):
            return None  # the public read cache already counted (and allowed) it
        if request.user and request.user.is_authenticated:
            return None
        return self.address_key(request)

    def address_key(self, request) -> str:
        """The counter of the request's address (also used before authentication, by
        apps/marketplace/edge_cache.py, for requests known to be anonymous)."""
        return f"{self.scope}:{self.get_ident(request)}"
