"""django-redis cache backend that counts hits and misses per key namespace.

The namespace is the key's first `:`-separated segment (`acl`, `firm-host`,
`marketplace`...), digits folded, so cardinality stays that of our key schemes, not of
our ids. Counts go to the current request's or task's WorkStats; outside one (shell,
migrations) nothing is counted and nothing is slower.
"""

from __future__ import annotations

import re
from typing import Any

from django_redis.cache import RedisCache

from apps.observability.context import current

_MISSING = object()
_DIGITS = re.compile(r"\d+")
SESSION_PREFIX = "django.contrib.sessions"


def key_namespace(key: Any) -> str:
    key = str(key)
    if key.startswith(SESSION_PREFIX):
        return "sessions"
    head, sep, _ = key.partition(":")
    if not sep:
        return "other"
    return _DIGITS.sub("#", head)[:40] or "other"


class InstrumentedRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # The alias label: "public" carries KEY_PREFIX "public", the tenant cache none.
        self.metrics_label = params.get("KEY_PREFIX") or "default"

    def get(self, key, default=None, version=None, client=None):
        value = super().get(key, default=_MISSING, version=version, client=client)
        hit = value is not _MISSING
        stats = current()
        if stats is not None:
            stats.cache_event(self.metrics_label, key_namespace(key), hit)
        return value if hit else default

    def get_many(self, keys, version=None, client=None):
        keys = list(keys)
        found = super().get_many(keys, version=version, client=client) or {}
        stats = current()
        if stats is not None and keys:
            namespace = key_namespace(keys[0])
            stats.cache_event(self.metrics_label, namespace, True, len(found))
            stats.cache_event(self.metrics_label, namespace, False, len(keys) - len(found))
        return found
