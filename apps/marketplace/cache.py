"""Caching of advisor lists and matches in the cross-firm (`public`) cache.

Keys are `mkt:<kind>:<sha1 of the normalised parameters>`; each entry carries the version
of the tag `marketplace:advisors` it was computed under: the project's one invalidation
mechanism (advisoros/cache_tags.py), read here with a raw pipeline so the edge cache can
count the throttle in the same round trip. Any profile or review change bumps the tag
(`advisors_cache_invalidate`), which makes every cached list, profile and match stale at
once; nothing ever scans keys. Stale entries are overwritten on the next miss or expire
on their own.

Hit and lookup counts are kept in Redis too, so the ratio covers every web process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from advisoros.cache_tags import tag_raw_key, tag_versions, tags_bump

logger = logging.getLogger(__name__)

T = TypeVar("T")

ADVISORS_TAG = "marketplace:advisors"
_STATS_KEY = "mkt:cache:stats"


def _cache():
    return caches["public"]


def _raw_key(name: str) -> str:
    # The same prefixing Django applies, so the raw-client counters sit beside the entries.
    return _cache().make_key(name, version=1)


def queue_lookup(pipe, kind: str, key: str) -> None:
    """Queue three commands: read the version, read the entry, count one lookup of
    `kind`. Their results go to `unpack_lookup`."""
    pipe.get(tag_raw_key(ADVISORS_TAG, alias="public"))
    pipe.get(key)
    pipe.hincrby(_raw_key(_STATS_KEY), f"{kind}:lookups", 1)


def unpack_lookup(version: bytes | None, entry: bytes | None, _count=None
                  ) -> tuple[bytes | None, bytes | None]:
    """(current version, the entry's payload if it was stored under that version)."""
    if version is not None and entry is not None:
        stored_version, _, payload = entry.partition(b":")
        if stored_version == version:
            return version, payload
    return version, None


def store_entry(key: str, version: bytes | None, payload: bytes, timeout: int) -> None:
    """Store `payload` under `version` (the one read before computing it). With no
    version yet, one is started first (SET NX keeps another process's)."""
    try:
        if version is None:
            started = tag_versions([ADVISORS_TAG], alias="public")
            if started is None:
                return
            version = str(started[0]).encode()
        get_redis_connection("public").set(key, version + b":" + payload, ex=timeout)
    except RedisError:
        logger.warning("marketplace cache entry not stored")


def advisors_cache_invalidate() -> None:
    """Every cached advisor list, match and edge response becomes stale: one tag bump (now
    and again after commit), no key scan."""
    tags_bump([ADVISORS_TAG], alias="public")


def params_key(kind: str, normalised: dict[str, Any]) -> str:
    digest = hashlib.sha1(json.dumps(normalised, sort_keys=True, default=str).encode(),
                          usedforsecurity=False).hexdigest()
    return _raw_key(f"mkt:{kind}:{digest}")


def count_miss(kind: str) -> None:
    # Only misses cost a write of their own: a hit is a lookup that was not a miss.
    try:
        get_redis_connection("public").hincrby(_raw_key(_STATS_KEY), f"{kind}:misses", 1)
    except RedisError:
        logger.warning("marketplace cache stats not recorded")


def cached(kind: str, normalised: dict[str, Any], timeout: int,
           compute: Callable[[], T]) -> tuple[T, bool]:
    """(value, was_hit). `compute` runs on a miss and its result is stored.

    An entry is stored as b"<version>:<pickle>" under a key without the version; it is a
    hit only while the version it was computed under is still the current one. Reading
    the version and the entry together costs one round trip, and a change committed while
    a miss is being computed makes that entry stale at once (it carries the old version).
    """
    key = params_key(kind, normalised)
    try:
        pipe = get_redis_connection("public").pipeline(transaction=False)
        queue_lookup(pipe, kind, key)
        version, payload = unpack_lookup(*pipe.execute())
    except RedisError:  # Redis is down: serve from the database.
        logger.warning("marketplace cache unreadable; treating as a miss")
        return compute(), False
    if payload is not None:
        # Our own Redis holds what our own processes pickled (as django-redis does).
        return pickle.loads(payload), True  # noqa: S301
    count_miss(kind)
    value = compute()
    store_entry(key, version, pickle.dumps(value), timeout)
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
