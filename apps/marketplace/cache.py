"""Caching of advisor lists and matches in the cross-firm (`public`) cache.

Keys are `<kind>:v<version>:<sha1 of the normalised parameters>`. Any profile or review
change bumps the one version number (an INCR), which makes every cached list and match
unreachable at once; nothing ever scans keys. Old entries expire on their own.

Hit and lookup counts are kept in Redis too, so the ratio covers every web process.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

_VERSION_KEY = "mkt:advisors:version"
_STATS_KEY = "mkt:cache:stats"


def _cache():
    return caches["public"]


def _raw_key(name: str) -> str:
    # The same prefixing Django applies, so the raw-client counters sit beside the entries.
    return _cache().make_key(name, version=1)


def cache_version(count_lookup: str | None = None) -> int:
    """The current version; with `count_lookup` (a kind), also counts one lookup of that
    kind in the same round trip."""
    try:
        pipe = get_redis_connection("public").pipeline(transaction=False)
        pipe.get(_raw_key(_VERSION_KEY))
        if count_lookup:
            pipe.hincrby(_raw_key(_STATS_KEY), f"{count_lookup}:lookups", 1)
        value = pipe.execute()[0]
    except RedisError:
        logger.warning("marketplace cache version unreadable; treating as a miss")
        return -1
    return int(value or 0)


def advisors_cache_invalidate() -> None:
    """Every cached advisor list and match becomes stale: one INCR, no key scan."""
    try:
        get_redis_connection("public").incr(_raw_key(_VERSION_KEY))
    except RedisError:
        # Entries still expire within their TTL; log so an operator sees the outage.
        logger.exception("marketplace cache version bump failed")


def params_key(kind: str, version: int, normalised: dict[str, Any]) -> str:
    digest = hashlib.sha1(json.dumps(normalised, sort_keys=True, default=str).encode(),
                          usedforsecurity=False).hexdigest()
    return f"mkt:{kind}:v{version}:{digest}"


def _count_miss(kind: str) -> None:
    # Only misses cost a write of their own: a hit is a lookup that was not a miss, so the
    # fast path stays at two Redis round trips (version + value).
    try:
        get_redis_connection("public").hincrby(_raw_key(_STATS_KEY), f"{kind}:misses", 1)
    except RedisError:
        logger.warning("marketplace cache stats not recorded")


def cached(kind: str, normalised: dict[str, Any], timeout: int,
           compute: Callable[[], T]) -> tuple[T, bool]:
    """(value, was_hit). `compute` runs on a miss and its result is stored."""
    version = cache_version(count_lookup=kind)
    if version < 0:  # Redis is down: serve from the database.
        return compute(), False
    key = params_key(kind, version, normalised)
    value = _cache().get(key)
    if value is not None:
        return value, True
    _count_miss(kind)
    value = compute()
    _cache().set(key, value, timeout)
    return value, False


def cache_stats() -> dict[str, dict[str, float]]:
    """Lookups, hits and hit ratio per kind (search, match)."""
    try:
        raw = get_redis_connection("public").hgetall(_raw_key(_STATS_KEY))
    except RedisError:
        return {}
    counts = {k.decode(): int(v) for k, v in raw.items()}
    stats: dict[str, dict[str, float]] = {}
    for kind in sorted({name.split(":")[0] for name in counts}):
        lookups = counts.get(f"{kind}:lookups", 0)
        hits = max(0, lookups - counts.get(f"{kind}:misses", 0))
        stats[kind] = {"lookups": lookups, "hits": hits,
                       "hit_ratio": round(hits / lookups, 4) if lookups else 0.0}
    return stats


def cache_stats_reset() -> None:
    try:
        get_redis_connection("public").delete(_raw_key(_STATS_KEY))
    except RedisError:
        logger.warning("marketplace cache stats not reset")
