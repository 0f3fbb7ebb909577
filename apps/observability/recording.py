"""Turning one finished request, task or refresh into metric increments.

Kept separate from the middleware so Celery signals, the query observer and the
synthetic-data helpers of tests and benchmarks record through the same code.
"""

from __future__ import annotations

import json
import logging
import time

from apps.observability.context import WorkStats
from apps.observability.histogram import bucket_label
from apps.observability.store import BUFFER, PREFIX, SEP, minute_key, minute_of, redis_client

RECENT_LIMIT = 200
SLOW_LIST = f"{PREFIX}slow"
SLOW_COUNT = f"{PREFIX}slow:t"
MV_LIST = f"{PREFIX}mv:recent"

logger = logging.getLogger("advisoros.observability")


def request_increments(route: str, firm: str, status: int, elapsed_ms: float,
                       stats: WorkStats | None) -> list[tuple[str, int]]:
    series = f"{route}{SEP}{firm}{SEP}"
    increments = [
        (series + "n", 1),
        (series + "us", int(elapsed_ms * 1000)),
        (f"{series}s:{status}", 1),
        (series + "b:" + bucket_label(elapsed_ms), 1),
    ]
    if stats is not None:
        if stats.db_queries:
            increments.append((series + "dbq", stats.db_queries))
            increments.append((series + "dbus", stats.db_us))
        for (alias, namespace), (hits, misses) in stats.cache.items():
            prefix = f"{series}c:{alias}/{namespace}:"
            if hits:
                increments.append((prefix + "h", hits))
            if misses:
                increments.append((prefix + "m", misses))
    return increments


def record_request(*, route: str, firm: str, status: int, elapsed_ms: float,
                   stats: WorkStats | None = None, at: float | None = None) -> None:
    BUFFER.add("req", minute_of(at), request_increments(route, firm, status, elapsed_ms, stats))


def record_task(*, task: str, state: str, elapsed_ms: float, at: float | None = None) -> None:
    series = f"{task}{SEP}"
    BUFFER.add("task", minute_of(at), [
        (series + "n", 1),
        (series + "us", int(elapsed_ms * 1000)),
        (f"{series}state:{state}", 1),
        (series + "b:" + bucket_label(elapsed_ms), 1),
    ])


def _push_recent(list_key: str, entry: dict, counter_key: str | None = None) -> None:
    try:
        pipe = redis_client().pipeline(transaction=False)
        if counter_key:
            pipe.incr(counter_key)
        pipe.lpush(list_key, json.dumps(entry))
        pipe.ltrim(list_key, 0, RECENT_LIMIT - 1)
        pipe.execute()
    except Exception as exc:  # best effort, like every metric
        logger.warning("could not store %s: %s", list_key, type(exc).__name__)


def record_mv_refresh(*, view: str, firm: str, elapsed_ms: float, at: float | None = None
                      ) -> None:
    at = time.time() if at is None else at
    series = f"{view}{SEP}{firm}{SEP}"
    BUFFER.add("mv", minute_of(at), [(series + "n", 1), (series + "us", int(elapsed_ms * 1000))])
    _push_recent(MV_LIST, {"view": view, "firm": firm, "ms": round(elapsed_ms, 1), "at": at})


def record_slow_query(*, sql: str, elapsed_ms: float, route: str, firm: str,
                      request_id: str = "", at: float | None = None) -> None:
    at = time.time() if at is None else at
    _push_recent(SLOW_LIST, {"sql": sql, "ms": round(elapsed_ms, 1), "route": route,
                             "firm": firm, "request_id": request_id, "at": at},
                 counter_key=SLOW_COUNT)


def record_queue_depths(depths: dict[str, int], at: float | None = None) -> None:
    if not depths:
        return
    key = minute_key("queue", minute_of(at))
    pipe = redis_client().pipeline(transaction=False)
    pipe.hset(key, mapping={name: int(depth) for name, depth in depths.items()})
    pipe.expire(key, 25 * 60 * 60)
    pipe.execute()


def recent(list_key: str, limit: int = RECENT_LIMIT) -> list[dict]:
    return [json.loads(raw) for raw in redis_client().lrange(list_key, 0, limit - 1)]
