"""TokenCache: entries are shared until their scope changes, a change committed while a
value is computed is never served, and a Redis outage only costs the computation."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from advisoros.token_cache import TokenCache

pytestmark = pytest.mark.django_db

CACHE = TokenCache("test:tokens", alias="public", entry_seconds=60)


def test_values_are_reused_until_their_scope_is_invalidated():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert CACHE.get(1, "n", compute) == 1
    assert CACHE.get(1, "n", compute) == 1
    assert CACHE.get(2, "n", compute) == 2  # another scope, its own entry
    CACHE.invalidate(1)

    assert CACHE.get(1, "n", compute) == 3
    assert CACHE.get(2, "n", compute) == 2


def test_vary_parts_are_separate_entries():
    assert CACHE.get(1, "page", lambda: "one", vary=(1,)) == "one"
    assert CACHE.get(1, "page", lambda: "two", vary=(2,)) == "two"
    assert CACHE.get(1, "page", lambda: "other", vary=(1,)) == "one"


def test_a_change_during_the_computation_makes_its_result_stale():
    def compute_while_someone_writes():
        CACHE.invalidate(7)  # committed by another request mid-way
        return "computed from the old rows"

    assert CACHE.get(7, "rows", compute_while_someone_writes) == "computed from the old rows"

    assert CACHE.get(7, "rows", lambda: "fresh") == "fresh"


def test_a_lost_token_never_revives_an_old_entry():
    CACHE.get(3, "rows", lambda: "old")
    caches["public"].delete(CACHE._token_key(3))  # evicted or expired

    assert CACHE.get(3, "rows", lambda: "new") == "new"


def test_without_redis_every_read_computes(monkeypatch, tmp_path):
    from django_redis.cache import RedisCache

    # A real django-redis client pointed at a socket nobody listens on: with
    # IGNORE_EXCEPTIONS (as configured) every call answers None instead of raising.
    unreachable = RedisCache(f"unix://{tmp_path}/no-redis.sock", {"OPTIONS": {
        "IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2}})
    monkeypatch.setattr(TokenCache, "cache", property(lambda self: unreachable))
    calls = []

    assert CACHE.get(1, "n", lambda: calls.append(1) or len(calls)) == 1
    assert CACHE.get(1, "n", lambda: calls.append(1) or len(calls)) == 2


def test_an_entry_over_several_scopes_goes_stale_with_any_of_them():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert CACHE.get("c1:tasks", "page", compute, also=("c1:invoices",)) == 1
    assert CACHE.get("c1:tasks", "page", compute, also=("c1:invoices",)) == 1
    CACHE.invalidate("c1:documents")  # not a scope of this entry
    assert CACHE.get("c1:tasks", "page", compute, also=("c1:invoices",)) == 1
    CACHE.invalidate("c1:invoices")

    assert CACHE.get("c1:tasks", "page", compute, also=("c1:invoices",)) == 2


def test_a_failed_invalidation_is_logged_as_an_error(monkeypatch, tmp_path, caplog):
    from django_redis.cache import RedisCache

    unreachable = RedisCache(f"unix://{tmp_path}/no-redis.sock", {"OPTIONS": {
        "IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2}})
    monkeypatch.setattr(TokenCache, "cache", property(lambda self: unreachable))

    CACHE.invalidate(5)

    assert any(r.levelname == "ERROR" and "invalidation of test:tokens:5 failed" in
               r.getMessage() for r in caplog.records)
