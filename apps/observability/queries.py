"""Watching every database query of a request or task: count, time, slow ones, refreshes.

`observe_queries(stats)` installs a Django execute wrapper. Each query adds to the
current WorkStats; a query over SLOW_QUERY_MS is logged (normalized SQL, never its
parameters) with its route, firm and request id, and kept for the dashboard; a
`REFRESH MATERIALIZED VIEW` is timed as a view refresh wherever it runs, so the portal's
refresh tasks are measured without calling us.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

from apps.observability.context import WorkStats
from apps.observability.recording import record_mv_refresh, record_slow_query

slow_logger = logging.getLogger("advisoros.slow_query")

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w\"$])-?\d+(?:\.\d+)?\b")
_IN_LIST = re.compile(r"\(\s*(?:%s|\?)(?:\s*,\s*(?:%s|\?))+\s*\)")
_SPACE = re.compile(r"\s+")
_REFRESH = re.compile(
    r"^\s*REFRESH\s+MATERIALIZED\s+VIEW\s+(?:CONCURRENTLY\s+)?(?P<name>[\w\".]+)", re.I)
MAX_SQL_CHARS = 2000


def normalize_sql(sql: str) -> str:
    """The query's shape: literals become ?, IN lists collapse, whitespace folds. Values
    never reach the log, whatever the query carried inline."""
    shape = _STRING.sub("?", sql)
    shape = _NUMBER.sub("?", shape)
    shape = _IN_LIST.sub("(...)", shape)
    shape = _SPACE.sub(" ", shape).strip()
    return shape[:MAX_SQL_CHARS]


def refreshed_view(sql: str) -> str | None:
    if "REFRESH" not in sql[:40].upper():
        return None
    match = _REFRESH.match(sql)
    return match.group("name").replace('"', "") if match else None


class QueryObserver:
    """The execute wrapper; one per request or task."""

    __slots__ = ("stats", "threshold_ms")

    def __init__(self, stats: WorkStats) -> None:
        self.stats = stats
        self.threshold_ms = settings.SLOW_QUERY_MS

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            stats = self.stats
            stats.db_queries += 1
            stats.db_us += int(elapsed_ms * 1000)
            if elapsed_ms >= self.threshold_ms:
                self._slow(sql, elapsed_ms)
            view = refreshed_view(sql) if isinstance(sql, str) else None
            if view is not None:
                record_mv_refresh(view=view, firm=stats.firm, elapsed_ms=elapsed_ms)

    def _slow(self, sql, elapsed_ms: float) -> None:
        stats = self.stats
        shape = normalize_sql(sql if isinstance(sql, str) else str(sql))
        slow_logger.warning(
            "slow query: %.1f ms on %s", elapsed_ms, stats.route or "-",
            extra={"duration_ms": round(elapsed_ms, 1), "sql": shape,
                   "route": stats.route, "firm": stats.firm},
        )
        record_slow_query(sql=shape, elapsed_ms=elapsed_ms, route=stats.route,
                          firm=stats.firm, request_id=stats.request_id)


@contextmanager
def observe_queries(stats: WorkStats) -> Iterator[QueryObserver]:
    observer = QueryObserver(stats)
    with connection.execute_wrapper(observer):
        yield observer
