"""Metrics in Redis: per-minute hashes plus running totals, shared by every process.

Layout (all in the `public` cache's Redis database, prefix `obs:`):

- `obs:<family>:t`               running totals since the data was last flushed away;
                                 /metrics exposes them as Prometheus counters
- `obs:<family>:m:<epoch minute>` the same fields for one minute, kept RETENTION_SECONDS,
                                 for the dashboard and the alert rules
- families: `req` (HTTP requests), `task` (Celery tasks), `mv` (materialized-view
  refreshes); `obs:queue:m:<minute>` holds sampled queue depths.

Field names are `<series>\x1f<kind>`; the unit separator cannot occur in a URL pattern,
a firm slug or a task name, so fields split back unambiguously.

Writes are buffered per process and flushed with HINCRBY (so every gunicorn worker's
counts add up in Redis) by a background thread every OBSERVABILITY_FLUSH_SECONDS; with 0
they are flushed at the end of each request (tests). Buffering keeps the request path to
a few dictionary updates instead of a Redis round trip.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Iterable

from django.conf import settings

SEP = "\x1f"
PREFIX = "obs:"
RETENTION_SECONDS = 25 * 60 * 60

logger = logging.getLogger("advisoros.observability")


def redis_client():
    from django_redis import get_redis_connection

    return get_redis_connection("public")


def minute_of(at: float | None = None) -> int:
    return int(time.time() if at is None else at) // 60


def totals_key(family: str) -> str:
    return f"{PREFIX}{family}:t"


def minute_key(family: str, minute: int) -> str:
    return f"{PREFIX}{family}:m:{minute}"


class MetricsBuffer:
    """Per-process pending increments, flushed to Redis in one pipeline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], dict[str, int]] = {}
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None
        self._last_error_log = 0.0

    def add(self, family: str, minute: int, increments: Iterable[tuple[str, int]]) -> None:
        interval = settings.OBSERVABILITY_FLUSH_SECONDS
        with self._lock:
            if self._pid != os.getpid():
                # Forked (gunicorn worker, Celery child): the parent's pending counts and
                # flusher thread belong to the parent.
                self._pending = {}
                self._thread = None
                self._pid = os.getpid()
            bucket = self._pending.get((family, minute))
            if bucket is None:
                bucket = self._pending[(family, minute)] = {}
            for name, value in increments:
                bucket[name] = bucket.get(name, 0) + value
            start_thread = interval > 0 and self._thread is None
            if start_thread:
                self._thread = threading.Thread(target=self._run, args=(interval,),
                                                name="metrics-flush", daemon=True)
        if interval <= 0:
            self.flush()
        elif start_thread:
            self._thread.start()

    def _run(self, interval: float) -> None:
        while True:
            time.sleep(interval)
            self.flush()

    def flush(self) -> int:
        """Write pending increments to Redis; returns how many fields were written."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return 0
        written = 0
        try:
            pipe = redis_client().pipeline(transaction=False)
            for (family, minute), fields in pending.items():
                per_minute = minute_key(family, minute)
                totals = totals_key(family)
                for name, value in fields.items():
                    pipe.hincrby(per_minute, name, value)
                    pipe.hincrby(totals, name, value)
                    written += 1
                pipe.expire(per_minute, RETENTION_SECONDS)
            pipe.execute()
        except Exception as exc:  # metrics are best effort: never break a request
            now = time.monotonic()
            if now - self._last_error_log > 60:
                self._last_error_log = now
                logger.warning("metrics flush failed, %d fields dropped: %s", written,
                               type(exc).__name__)
            return 0
        return written


BUFFER = MetricsBuffer()
atexit.register(BUFFER.flush)


def read_minutes(family: str, minutes: list[int]) -> list[dict[str, int]]:
    """The per-minute hashes of `family`, in the order of `minutes` (empty when absent)."""
    if not minutes:
        return []
    pipe = redis_client().pipeline(transaction=False)
    for minute in minutes:
        pipe.hgetall(minute_key(family, minute))
    return [_decode(raw) for raw in pipe.execute()]


def read_totals(family: str) -> dict[str, int]:
    return _decode(redis_client().hgetall(totals_key(family)))


def _decode(raw: dict) -> dict[str, int]:
    return {name.decode(): int(value) for name, value in raw.items()}


def split_field(name: str) -> list[str]:
    return name.split(SEP)
