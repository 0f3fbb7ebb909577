"""The embedded Redis persists: snapshots and an append-only file, so a restart keeps
queued tasks, sessions and caches."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import redis

from advisoros import embedded


@pytest.fixture
def redis_dir():
    data_dir = Path(tempfile.mkdtemp(prefix="advisoros-redis-persist-"))
    yield data_dir
    embedded.stop_redis(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)


def _client(data_dir: Path) -> redis.Redis:
    return redis.Redis(unix_socket_path=str(embedded.redis_socket(data_dir)), db=2)


def test_embedded_redis_saves_snapshots_and_an_append_only_file(redis_dir):
    embedded.ensure_redis(redis_dir)
    client = _client(redis_dir)

    assert client.config_get("save") == {"save": "900 1 300 100 60 10000"}
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("appendfsync") == {"appendfsync": "everysec"}


def test_queued_data_survives_a_restart(redis_dir):
    embedded.ensure_redis(redis_dir)
    client = _client(redis_dir)
    client.lpush("celery", "a queued task")

    assert embedded.stop_redis(redis_dir)
    embedded.ensure_redis(redis_dir)

    assert _client(redis_dir).lrange("celery", 0, -1) == [b"a queued task"]
