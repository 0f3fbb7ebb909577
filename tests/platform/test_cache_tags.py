"""The one cache-invalidation mechanism (advisoros/cache_tags.py): entries are shared until
one of their tags is bumped, a bump from anywhere (another process, another process's
local copy) is seen on the next read, a change committed while a value is computed is
never served, and a Redis outage only costs the computation."""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import caches
from django.db import transaction
from django_redis import get_redis_connection

from advisoros.cache_tags import TaggedCache, tag_raw_key, tag_versions, tags_bump

pytestmark = pytest.mark.django_db

_names = itertools.count()


@pytest.fixture
def cache() -> TaggedCache:
    # A namespace of its own per test: entries left by an earlier run never answer.
    return TaggedCache(f"test:tags:{next(_names)}", alias="public", entry_seconds=60)


def _counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute


def test_values_are_reused_until_one_of_their_tags_is_bumped(cache):
    compute = _counter()

    assert cache.get("n", compute, tags=["t:a", "t:b"]) == 1
    assert cache.get("n", compute, tags=["t:a", "t:b"]) == 1
    assert cache.get("m", compute, tags=["t:c"]) == 2
    cache.invalidate("t:unrelated")
    assert cache.get("n", compute, tags=["t:a", "t:b"]) == 1
    cache.invalidate("t:b")

    assert cache.get("n", compute, tags=["t:a", "t:b"]) == 3
    assert cache.get("m", compute, tags=["t:c"]) == 2


def test_vary_parts_are_separate_entries(cache):
    assert cache.get("page", lambda: "one", tags=["t"], vary=(1,)) == "one"
    assert cache.get("page", lambda: "two", tags=["t"], vary=(2,)) == "two"
    assert cache.get("page", lambda: "other", tags=["t"], vary=(1,)) == "one"


def test_a_bump_during_the_computation_makes_its_result_stale(cache):
    def compute_while_someone_writes():
        cache.invalidate("t:rows")  # committed by another request mid-way
        return "computed from the old rows"

    assert cache.get("rows", compute_while_someone_writes, tags=["t:rows"]) == \
        "computed from the old rows"

    assert cache.get("rows", lambda: "fresh", tags=["t:rows"]) == "fresh"


def test_a_lost_version_never_revives_an_old_entry(cache):
    cache.get("rows", lambda: "old", tags=["t:lost"])
    caches["public"].delete("tag:t:lost")  # evicted or expired

    assert cache.get("rows", lambda: "new", tags=["t:lost"]) == "new"


def test_a_bump_by_another_process_reaches_every_local_copy():
    # Two web processes, each with its own local copies: a bump is a SET of the tag's
    # version in Redis, which is all another process does.
    process_a = TaggedCache("test:tags:local", alias="public", entry_seconds=60,
                            local_entries=10)
    process_b = TaggedCache("test:tags:local", alias="public", entry_seconds=60,
                            local_entries=10)
    tags_bump(["t:local"], alias="public")
    assert process_a.get("x", lambda: "v1", tags=["t:local"]) == "v1"
    assert process_b.get("x", lambda: "from b", tags=["t:local"]) == "v1"  # shared entry
    assert process_a._local and process_b._local  # both keep a local copy now

    get_redis_connection("public").set(tag_raw_key("t:local", alias="public"), 12345)

    assert process_a.get("x", lambda: "v2", tags=["t:local"]) == "v2"
    assert process_b.get("x", lambda: "not used", tags=["t:local"]) == "v2"


def test_a_local_copy_is_served_without_reading_the_entry():
    local = TaggedCache("test:tags:local2", alias="public", entry_seconds=60, local_entries=10)
    local.get("x", lambda: "kept", tags=["t:local2"])
    # The shared entry is gone; the versions still match, so the local copy answers.
    caches["public"].delete(local.entry_key("x"))

    assert local.get("x", lambda: "recomputed", tags=["t:local2"]) == "kept"


def test_local_copies_are_bounded():
    local = TaggedCache("test:tags:bounded", alias="public", entry_seconds=60, local_entries=3)
    for n in range(10):
        local.get(f"x{n}", lambda n=n: n, tags=["t:bounded"])

    assert len(local._local) == 3


def test_a_bump_inside_a_transaction_lands_now_and_again_at_commit(
        cache, django_capture_on_commit_callbacks):
    cache.get("rows", lambda: "before", tags=["t:tx"])

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        cache.invalidate("t:tx")
        # The writing transaction never reads its rows' old value...
        assert cache.get("rows", lambda: "read inside", tags=["t:tx"]) == "read inside"
    # ... and what a reader cached before the commit is stale once it lands.
    assert len(callbacks) == 1
    callbacks[0]()

    assert cache.get("rows", lambda: "after commit", tags=["t:tx"]) == "after commit"


def test_tags_of_the_firm_alias_are_per_firm(in_firm_a, firm_b):
    from django.db import connection

    versions_a = tag_versions(["t:firm"], alias="default")
    connection.set_tenant(firm_b.firm)
    tags_bump(["t:firm"], alias="default")
    connection.set_tenant(in_firm_a.firm)

    assert tag_versions(["t:firm"], alias="default") == versions_a


def test_none_is_kept_only_when_asked(cache):
    compute = _counter()

    assert cache.get("none", lambda: compute() and None, tags=["t:n"], keep_none=False) is None
    assert cache.get("none", lambda: compute() and None, tags=["t:n"], keep_none=False) is None
    assert compute() == 3  # computed both times


@pytest.fixture
def unreachable(settings, tmp_path) -> str:
    """A real django-redis alias pointed at a socket nobody listens on, configured as the
    project's (IGNORE_EXCEPTIONS: calls answer None instead of raising)."""
    settings.CACHES = {**settings.CACHES, "unreachable": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"unix://{tmp_path}/no-redis.sock",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2}}}
    return "unreachable"


def test_without_redis_every_read_computes(unreachable):
    cache = TaggedCache("test:tags:down", alias=unreachable, entry_seconds=60,
                        local_entries=10)
    compute = _counter()

    assert cache.get("n", compute, tags=["t"]) == 1
    assert cache.get("n", compute, tags=["t"]) == 2
    assert not cache._local  # nothing kept that could not be checked


def test_a_failed_bump_is_logged_as_an_error(unreachable, caplog):
    tags_bump(["t:down"], alias=unreachable, stale_for=60)

    assert any(r.levelname == "ERROR" and "tag:t:down" in r.getMessage()
               and "60 s" in r.getMessage() for r in caplog.records)


def test_missing_versions_are_started_in_one_round_trip(cache):
    from apps.observability.harness.roundtrips import redis_round_trips

    tags = [f"t:fresh:{next(_names)}:{n}" for n in range(4)]

    with redis_round_trips() as redis:
        versions = tag_versions(tags, alias="public")

    # One MGET finds none, one pipeline starts all four and reads them back.
    assert redis.count == 2, redis
    assert len(versions) == 4 and all(isinstance(v, int) for v in versions)
    assert len(set(versions)) == 4
    assert tag_versions(tags, alias="public") == versions


def test_a_version_started_meanwhile_by_another_process_is_kept(cache):
    tag = f"t:race:{next(_names)}"
    found_missing = (None,)
    # Another process started the tag between our MGET and our SET NX.
    get_redis_connection("public").set(tag_raw_key(tag, alias="public"), 777)

    from advisoros.cache_tags import _versions_started, tag_key

    assert _versions_started(caches["public"], [tag_key(tag)], found_missing) == (777,)
