"""What the current request (or Celery task) has done so far: queries, cache lookups.

One `WorkStats` per request or task lives in a context variable, so gthread workers and
Celery threads never mix their counts. The cache backend and the query observer add to
it; the metrics middleware and the task signals read it when the work is done; the JSON
log formatter reads the request id, firm and user from it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class WorkStats:
    request_id: str = ""
    firm: str = "public"
    route: str = ""
    request: Any = None  # the HttpRequest, read lazily by the log formatter
    db_queries: int = 0
    db_us: int = 0
    # (cache alias, key namespace) -> [hits, misses]
    cache: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def cache_event(self, alias: str, namespace: str, hit: bool, count: int = 1) -> None:
        counts = self.cache.get((alias, namespace))
        if counts is None:
            counts = self.cache[(alias, namespace)] = [0, 0]
        counts[0 if hit else 1] += count


_current: ContextVar[WorkStats | None] = ContextVar("advisoros_work_stats", default=None)


def current() -> WorkStats | None:
    return _current.get()


def begin(stats: WorkStats):
    """Make `stats` current; returns the token `end` needs."""
    return _current.set(stats)


def end(token) -> None:
    _current.reset(token)


def user_id_of(stats: WorkStats | None) -> int | None:
    """The signed-in user's id, only if authentication already resolved it: logging must
    never trigger a session or database read of its own."""
    if stats is None or stats.request is None:
        return None
    user = stats.request.__dict__.get("_cached_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk
