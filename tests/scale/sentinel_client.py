"""Run by tests/scale/test_redis_sentinel.py in fresh processes configured with
REDIS_SENTINELS, as web processes and workers would be: `python -m tests.scale.sentinel_client
before|after|results <ids>` prints one JSON line."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisoros.settings_test")

import django

django.setup()

from django.core.cache import caches  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402

from advisoros.celery import app  # noqa: E402

QUEUE = "ha-test"


def before() -> dict:
    caches["default"].set("ha:firm-data", "kept", 600)
    caches["public"].set("ha:session-data", "kept", 600)
    ids = [app.send_task("celery.accumulate", args=[n], queue=QUEUE).id for n in range(20)]
    # Replication is asynchronous; this waits until the replica has everything written so
    # far (the replication offset is the server's, not this connection's).
    connection = get_redis_connection("default")
    connection.set("ha:marker", 1)
    acknowledged = connection.wait(1, 10_000)
    return {"ids": ids, "replicas_acknowledged": acknowledged}


def after() -> dict:
    kept = caches["default"].get("ha:firm-data"), caches["public"].get("ha:session-data")
    caches["default"].set("ha:after", "written", 600)
    from advisoros.health import run_checks

    healthy, checks = run_checks()
    return {"kept": list(kept), "written": caches["default"].get("ha:after"),
            "healthy": healthy, "checks": {k: v["status"] for k, v in checks.items()},
            "queued": get_redis_connection("default").connection_pool.connection_kwargs.get(
                "port")}


def results(ids: list[str]) -> dict:
    values = [app.AsyncResult(task_id).get(timeout=120) for task_id in ids]
    return {"values": values}


if __name__ == "__main__":
    phase = sys.argv[1]
    if phase == "before":
        out = before()
    elif phase == "after":
        out = after()
    else:
        out = results(json.loads(sys.argv[2]))
    print("RESULT " + json.dumps(out))
