"""TokenCache (the per-scope shape of the tagged cache): entries are shared until their
scope changes and a change committed while a value is computed is never served. Redis
outages are covered with the mechanism itself (test_cache_tags.py)."""

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
    caches["public"].delete(f"tag:{CACHE.scope_tag(3)}")  # evicted or expired

    assert CACHE.get(3, "rows", lambda: "new") == "new"


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
