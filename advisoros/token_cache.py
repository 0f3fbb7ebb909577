"""Cache entries that go stale together per scope (a client, a user): the shape the
user-row, portal-access and portal-section caches use, on the one tagged mechanism
(advisoros/cache_tags.py). A scope is a tag named `<namespace>:<scope>`; invalidating a
scope bumps that tag at once and again after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from advisoros.cache_tags import TaggedCache

T = TypeVar("T")


class TokenCache(TaggedCache):
    def __init__(self, namespace: str, *, alias: str = "default", entry_seconds: int) -> None:
        super().__init__(namespace, alias=alias, entry_seconds=entry_seconds)

    def scope_tag(self, scope: object) -> str:
        return f"{self.namespace}:{scope}"

    def get(self, scope: object, name: str, compute: Callable[[], T],  # type: ignore[override]
            vary: Iterable[object] = (), also: Iterable[object] = ()) -> T:
        """The entry's value while the scope (and the scopes in `also`, for an entry that
        shows several kinds of rows) is not invalidated, else `compute()`'s (stored)."""
        also = tuple(also)
        tags = [self.scope_tag(each) for each in (scope, *also)]
        return super().get(f"{scope}:{name}", compute, tags=tags, vary=(*vary, *also))

    def invalidate(self, scope: object) -> None:  # type: ignore[override]
        """Call where the change is written: the scope's entries go stale now and again
        at commit."""
        super().invalidate(self.scope_tag(scope))

    def invalidate_scopes(self, *scopes: object) -> None:
        """`invalidate` for several scopes in one Redis round trip (and one after commit)."""
        if scopes:
            super().invalidate(*(self.scope_tag(scope) for scope in scopes))
