"""The project's one cache-invalidation mechanism: tagged entries, tag versions in Redis.

Every cached value is stored with the versions of its tags as they were read BEFORE the
value was computed, and is a hit only while every one of those tags still has that
version. Invalidating means bumping tags (`tags_bump`, or `TaggedCache.invalidate`): each
bumped tag gets a new random version, which stales every entry carrying it, everywhere,
without scanning or deleting a key.

Why this cannot serve a stale value after a change commits:

- a writer bumps its tags twice: at once, inside its transaction (so the transaction
  itself never reads its rows' old cached values), and again after commit;
- a reader that computed a value from rows read before the commit stored it with a
  version read before the after-commit bump, so that entry is stale the moment the
  bump lands; a reader that read the version after that bump reads the committed rows.
  A plain delete after commit loses exactly this race: the slow reader writes the old
  value back after the delete (issue 12, item 9);
- versions are random, not counters: a tag whose version was evicted gets a new random
  one, so an old entry can never become current again.

Local copies: a `TaggedCache(..., local_entries=N)` also keeps up to N values in the web
process. A local copy is used only after the tag versions are read from Redis and match,
so it saves unpickling, not correctness: a bump reaches every process on its next read.

Tags of an alias live in that alias: in "default" (firm data) the key function adds the
firm's schema, so firm tags are per firm; "public" tags are global. An entry's tags are
read in the same round trip as the entry (one MGET), or, for the entries a request's
authentication reads, in the one MGET made at its start (advisoros/cache_prefetch.py).

When Redis is unreachable, reads compute every time and nothing is stored; a bump that
fails is logged as an error with how long stale entries may live (their timeout).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.cache import caches
from django.db import transaction
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from advisoros import cache_prefetch

T = TypeVar("T")
MISSING = object()  # what `lookup` answers for no current entry (None may be a value)
logger = logging.getLogger(__name__)

# Tag versions outlive every entry (entries live an hour at most), so no entry outlives
# the version it was stored under: a missing version means "no current entries".
TAG_SECONDS = 24 * 60 * 60


def tag_key(tag: str) -> str:
    return f"tag:{tag}"


def tag_raw_key(tag: str, *, alias: str) -> str:
    """The tag's version key as Redis knows it (prefix, version and, in "default", the
    current firm's schema), for code that talks to Redis directly."""
    return caches[alias].make_key(tag_key(tag))


def _new_version() -> int:
    # An int: django-redis stores ints as plain digits, so raw pipelines and the cache
    # API read the same value.
    return secrets.randbits(62) | 1


def tag_versions(tags: Sequence[str], *, alias: str) -> tuple[int, ...] | None:
    """The current versions of `tags` (missing ones started now), or None when Redis is
    unreachable."""
    cache = caches[alias]
    keys = [tag_key(tag) for tag in tags]
    found = cache.get_many(keys) or {}
    return _versions_started(cache, keys, tuple(found.get(key) for key in keys))


def _versions_started(cache, keys: list[str], versions: tuple) -> tuple[int, ...] | None:
    """`versions` with the missing ones started: one round trip for all of them (a SET NX
    per missing tag, then one MGET, pipelined), whatever their number."""
    if None not in versions:
        return versions
    raw_keys = [cache.make_key(key) for key in keys]
    try:
        pipe = cache.client.get_client(write=True).pipeline(transaction=False)
        # NX keeps a version another process started meanwhile.
        for raw_key, version in zip(raw_keys, versions, strict=True):
            if version is None:
                pipe.set(raw_key, _new_version(), ex=TAG_SECONDS, nx=True)
        pipe.mget(raw_keys)
        found = pipe.execute()[-1]
    except RedisError:
        return None
    # Versions are ints, which django-redis stores as plain digits.
    started = tuple(None if raw is None else int(raw) for raw in found)
    return None if None in started else started


def tags_bump(tags: Iterable[str], *, alias: str, stale_for: int | None = None) -> None:
    """Invalidate every entry carrying any of `tags`: now, and again after the current
    transaction commits (at once outside a transaction). Call it where the change is
    written, inside the writing transaction. `stale_for`: how long entries may live if
    the bump fails (for the error log)."""
    # The raw keys are fixed now: in "default" they carry the current firm's schema,
    # which may differ by the time an on-commit callback runs.
    raw_keys = [tag_raw_key(tag, alias=alias) for tag in tags]
    if not raw_keys:
        return

    def bump() -> None:
        cache_prefetch.forget_raw(raw_keys)  # this request reads its own bump
        try:
            pipe = get_redis_connection(alias).pipeline(transaction=False)
            for raw_key in raw_keys:
                pipe.set(raw_key, _new_version(), ex=TAG_SECONDS)
            pipe.execute()
        except RedisError:
            logger.error("cache invalidation of %s failed; entries may be served for up to "
                         "%s s more", ", ".join(raw_keys), stale_for or "their timeout")

    bump()
    transaction.on_commit(bump, robust=True)


class TaggedCache:
    """Values computed on a miss and kept until one of their tags is bumped (or they time
    out). `namespace` keeps the keys of different uses apart; `alias` is the Django cache
    (and where the tags live)."""

    def __init__(self, namespace: str, *, alias: str, entry_seconds: int,
                 local_entries: int = 0) -> None:
        assert entry_seconds < TAG_SECONDS
        self.namespace = namespace
        self.alias = alias
        self.entry_seconds = entry_seconds
        self.local_entries = local_entries
        self._local: OrderedDict[str, tuple[tuple[int, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def cache(self):
        return caches[self.alias]

    def entry_key(self, name: str, vary: Iterable[object] = ()) -> str:
        vary = tuple(vary)
        if not vary:
            return f"{self.namespace}:{name}"
        digest = hashlib.sha1("\x1f".join(str(part) for part in vary).encode(),
                              usedforsecurity=False).hexdigest()[:20]
        return f"{self.namespace}:{name}:{digest}"

    def get(self, name: str, compute: Callable[[], T], *, tags: Sequence[str],
            vary: Iterable[object] = (), timeout: int | None = None,
            keep_none: bool = True, keep_local: Callable[[T], bool] | None = None,
            timeout_for: Callable[[T], int | None] | None = None) -> T:
        """The stored value while every tag in `tags` keeps the version it had when the
        value was computed, else `compute()`'s (stored; a None only with `keep_none`).
        Vary on whatever else changes the value. `keep_local(value)` decides whether this
        process keeps a local copy (default: yes), `timeout_for(value)` may shorten the
        timeout for some values. Without Redis, `compute()` answers every time."""
        cache = self.cache
        key = self.entry_key(name, vary)
        local_key = cache.make_key(key) if self.local_entries else None
        if local_key is not None:
            hit = self._local_get(cache, local_key, [tag_key(tag) for tag in tags])
            if hit is not None:
                return hit[0]
        found, versions = self.lookup(name, tags=tags, vary=vary)
        if found is not MISSING:
            if keep_local is None or keep_local(found):
                self._local_put(local_key, (versions, found))
            return found
        value = compute()
        if versions is not None and (keep_none or value is not None):
            seconds = (timeout_for(value) if timeout_for else None) or timeout
            self.store(name, value, versions=versions, vary=vary, timeout=seconds)
            if keep_local is None or keep_local(value):
                self._local_put(local_key, (versions, value))
        return value

    def lookup(self, name: str, *, tags: Sequence[str], vary: Iterable[object] = ()
               ) -> tuple[Any, tuple[int, ...] | None]:
        """(the current value or MISSING, the tag versions to `store` a value computed
        now under: None when Redis is unreachable). For callers that decide themselves
        what to do with an entry (stale-while-revalidate): one round trip."""
        cache = self.cache
        key = self.entry_key(name, vary)
        tag_keys = [tag_key(tag) for tag in tags]
        found = cache_prefetch.prefetched_many(self.alias, [*tag_keys, key])
        if found is None:
            found = cache.get_many([*tag_keys, key]) or {}
        versions = tuple(found.get(tag_key) for tag_key in tag_keys)
        entry = found.get(key)
        if None not in versions and entry is not None and entry[0] == versions:
            return entry[1], versions
        return MISSING, _versions_started(cache, tag_keys, versions)

    def store(self, name: str, value: Any, *, versions: tuple[int, ...] | None,
              vary: Iterable[object] = (), timeout: int | None = None) -> None:
        """Keep `value` under the `versions` `lookup` answered before it was computed."""
        if versions is not None:  # None: Redis is unreachable, keep nothing
            key = self.entry_key(name, vary)
            self.cache.set(key, (versions, value), timeout or self.entry_seconds)
            cache_prefetch.forget(self.alias, [key])

    def invalidate(self, *tags: str) -> None:
        """Bump `tags` in this cache's alias (see `tags_bump`)."""
        tags_bump(tags, alias=self.alias, stale_for=self.entry_seconds)

    def _local_get(self, cache, local_key: str, tag_keys: list[str]) -> tuple[Any] | None:
        with self._lock:
            local = self._local.get(local_key)
        if local is None:
            return None
        found = cache_prefetch.prefetched_many(self.alias, tag_keys)
        if found is None:
            found = cache.get_many(tag_keys) or {}
        if tuple(found.get(tag_key) for tag_key in tag_keys) != local[0]:
            return None
        return (local[1],)

    def _local_put(self, local_key: str | None, entry: tuple) -> None:
        if local_key is None:
            return
        with self._lock:
            self._local[local_key] = entry
            self._local.move_to_end(local_key)
            while len(self._local) > self.local_entries:
                self._local.popitem(last=False)
