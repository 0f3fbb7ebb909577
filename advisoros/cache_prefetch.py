"""Cache entries a request will read, fetched together in one Redis round trip at its
start (apps/security/request_prefetch.py decides which).

A signed-in request reads its firm's host tag, its session, its user row and its role;
an API request its firm's host tag, its key and its owner's role: each was a round trip
of its own. Prefetched values are what those reads would have found moments later in the
same request, so every guarantee of the tagged cache (advisoros/cache_tags.py) holds: a
bump that lands before the request starts is seen by it. Within the request, a bump or a
store of a key drops it from the prefetched set, so the request reads its own writes
from Redis. The set lives in the serving thread and is cleared when the request ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.core.cache import caches

NOT_PREFETCHED = object()
_ABSENT = object()  # prefetched, and Redis had no value
_state = threading.local()


def prefetch(alias: str, keys: Iterable[str]) -> None:
    """Read `keys` (cache keys of `alias`, as its API takes them) in one MGET."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    try:
        found = caches[alias].get_many(keys) or {}
    except Exception:  # Redis down: every read goes its own way (and fails its own way)
        return
    values = _state.__dict__.setdefault("values", {})
    for key in keys:
        values[(alias, key)] = found.get(key, _ABSENT)


def prefetched(alias: str, key: str):
    """The value read at the request's start (None when Redis had none), or
    NOT_PREFETCHED."""
    value = _state.__dict__.get("values", {}).get((alias, key), NOT_PREFETCHED)
    return None if value is _ABSENT else value


def prefetched_many(alias: str, keys: list[str]) -> dict | None:
    """{key: value} for `keys` (missing ones absent), or None unless all were
    prefetched."""
    values = _state.__dict__.get("values")
    if not values:
        return None
    found = {}
    for key in keys:
        value = values.get((alias, key), NOT_PREFETCHED)
        if value is NOT_PREFETCHED:
            return None
        if value is not _ABSENT:
            found[key] = value
    return found


def forget(alias: str, keys: Iterable[str]) -> None:
    """`keys` were written: later reads in this request go to Redis."""
    values = _state.__dict__.get("values")
    if values:
        for key in keys:
            values.pop((alias, key), None)


def forget_raw(raw_keys: Iterable[str]) -> None:
    """As `forget`, by the keys as Redis knows them (tag bumps know only those)."""
    values = _state.__dict__.get("values")
    if not values:
        return
    raw = set(raw_keys)
    for alias, key in list(values):
        if caches[alias].make_key(key) in raw:
            values.pop((alias, key), None)


def clear() -> None:
    _state.__dict__.pop("values", None)
