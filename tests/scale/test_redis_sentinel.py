"""Redis Sentinel for real: a master, a replica and three sentinels (the redis-server we
ship, in sentinel mode). Processes configured with REDIS_SENTINELS write the cache and
queue tasks, the master is killed, the sentinels promote the replica, and fresh processes
and a real Celery worker carry on: the cache still holds what was written, new writes work,
/health/'s checks pass, and every queued task runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from advisoros.embedded_sentinel import sentinel_topology_start, wait_for_failover

ROOT = Path(__file__).resolve().parents[2]


def _environment(topology) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "advisoros.settings_test",
            "REDIS_SENTINELS": ",".join(f"{h}:{p}" for h, p in topology.sentinels),
            "REDIS_SENTINEL_MASTER": topology.master_name}


def _client(topology, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "tests.scale.sentinel_client", *args],
                            cwd=ROOT, env=_environment(topology), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


@pytest.fixture
def topology():
    started = sentinel_topology_start(settings.DATA_DIR / "test-sentinel", base_port=26400)
    try:
        yield started
    finally:
        started.stop()


def test_cache_and_celery_follow_a_master_failover(topology):
    old_master = topology.current_master()
    assert old_master == ("127.0.0.1", topology.master_port)
    queued = _client(topology, "before")
    assert queued["replicas_acknowledged"] == 1

    killed_at = time.monotonic()
    topology.kill("master")
    new_master = wait_for_failover(topology, old_master)
    failover_seconds = time.monotonic() - killed_at
    assert new_master == ("127.0.0.1", topology.replica_port)
    assert failover_seconds < 30

    after = _client(topology, "after")
    assert after["kept"] == ["kept", "kept"]
    assert after["written"] == "written"
    assert after["checks"]["redis"] == "up" and after["checks"]["broker"] == "up"

    log = open(settings.DATA_DIR / "test-sentinel" / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "advisoros", "worker", "-Q", "ha-test",
         "-c", "1", "--without-mingle", "--without-gossip", "-l", "INFO"],
        cwd=ROOT, env=_environment(topology), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        done = _client(topology, "results", json.dumps(queued["ids"]))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
        log.close()
    # Every task queued before the failover ran (accumulate returns its arguments).
    assert done["values"] == [[n] for n in range(20)]
