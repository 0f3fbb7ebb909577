"""Cache entries that go stale together, per scope (a client, a user), without key scans.

Each scope has a random token. An entry is stored with the token current when its value
was computed and is a hit only while that token is still current; invalidating a scope
replaces its token at once and again after commit. Reading the token and the entry is
one round trip.

Why a random token and not a counter or a delete: a change committed while a miss is
being computed makes the entry it stores stale at once (it carries the old token), which
a plain delete-on-change cannot promise; and a token lost to eviction or expiry is
replaced by a new random one, so an old entry can never become current again, which a
counter restarting at zero could do.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import caches
from django.db import transaction

T = TypeVar("T")
logger = logging.getLogger(__name__)


class TokenCache:
    def __init__(self, namespace: str, *, alias: str = "default", entry_seconds: int,
                 token_seconds: int = 24 * 60 * 60) -> None:
        # Tokens outlive entries, so no entry outlives the token it was made with.
        assert token_seconds > entry_seconds
        self.namespace = namespace
        self.alias = alias
        self.entry_seconds = entry_seconds
        self.token_seconds = token_seconds

    @property
    def cache(self):
        return caches[self.alias]

    def _token_key(self, scope: object) -> str:
        return f"{self.namespace}:token:{scope}"

    def entry_key(self, scope: object, name: str, vary: Iterable[object] = ()) -> str:
        digest = hashlib.sha1("\x1f".join(str(part) for part in vary).encode(),
                              usedforsecurity=False).hexdigest()[:20]
        return f"{self.namespace}:{scope}:{name}:{digest}"

    def get(self, scope: object, name: str, compute: Callable[[], T],
            vary: Iterable[object] = (), also: Iterable[object] = ()) -> T:
        """The entry's value while the tokens of `scope` (and of the scopes in `also`,
        for an entry that shows several kinds of rows) are unchanged, else `compute()`'s
        (stored). Without Redis, `compute()` answers every time."""
        scopes = (scope, *also)
        token_keys = [self._token_key(each) for each in scopes]
        key = self.entry_key(scope, name, (*vary, *also))
        # django-redis answers None instead of a dict when Redis is unreachable.
        found = self.cache.get_many([*token_keys, key]) or {}
        tokens = tuple(found.get(token_key) for token_key in token_keys)
        entry = found.get(key)
        if None not in tokens and entry is not None and entry[0] == tokens:
            return entry[1]
        if None in tokens:
            # add() keeps a token another process set meanwhile.
            for token_key, token in zip(token_keys, tokens, strict=True):
                if token is None:
                    self.cache.add(token_key, secrets.token_hex(8), self.token_seconds)
            tokens = tuple((self.cache.get_many(token_keys) or {}).get(k) for k in token_keys)
        value = compute()
        if None not in tokens:  # a None left means Redis is unreachable
            self.cache.set(key, (tokens, value), self.entry_seconds)
        return value

    def invalidate(self, scope: object) -> None:
        """Call where the change is written: the scope's entries go stale now and again
        at commit. Now, so that the writing transaction itself reads its change; at
        commit, because a concurrent reader may have cached the old rows in between
        (under the new token) before the change was visible to it."""

        def replace_token() -> None:
            # django-redis swallows Redis errors here (IGNORE_EXCEPTIONS) and answers
            # None: say so loudly, with how long stale entries may still be served.
            if not self.cache.set(self._token_key(scope), secrets.token_hex(8),
                                  self.token_seconds):
                logger.error("cache invalidation of %s:%s failed; its entries may be served "
                             "for up to %s s more", self.namespace, scope,
                             self.entry_seconds)

        replace_token()
        transaction.on_commit(replace_token, robust=True)
