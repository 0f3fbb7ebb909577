"""What a scenario cost the stack, beside what locust saw: SQL queries per request and the
cache hit ratio (from the request metrics the web workers record, totals before and
after), CPU milliseconds per request of the web workers, Celery, PostgreSQL, Redis and the
load generator (from /proc), the split of web CPU between workers, and whether background
work kept up (the documents queue at the end of the load and the time to drain it)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from apps.observability.aggregate import combined, summarize_by_route
from apps.observability.harness.cpu import CpuMeter, postgres_pid, redis_pid
from apps.observability.harness.stack import Stack, wait_for_background_work
from apps.observability.store import read_totals

DRAIN_TIMEOUT_SECONDS = 300
DOCUMENT_QUEUES = ("documents", "documents-backlog")
_NOT_TRAFFIC = {"health", "metrics"}


@dataclass
class StackCost:
    server_requests: int = 0
    queries_per_request: float | None = None
    cache_hit_pct: float | None = None
    cpu_ms_per_request: dict[str, float | None] = field(default_factory=dict)
    busiest_worker_share: float | None = None
    documents_queued_at_end: int | None = None
    drain_seconds: float | None = None
    routes: list[dict] = field(default_factory=list)


def _diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {name: value - before.get(name, 0) for name, value in after.items()
            if value - before.get(name, 0)}


def _loadgen_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(stack: Stack, run: Callable[[], object], say: Callable[[str], None]
             ) -> tuple[object, StackCost]:
    """Run `run()` (one locust scenario) and measure what it cost the stack."""
    from apps.observability.selectors import queue_depths

    web_pid = stack.procs["web"].pid
    meter = CpuMeter({"web": web_pid, "celery": stack.procs["worker"].pid,
                      "postgres": postgres_pid(), "redis": redis_pid()})
    totals_before = read_totals("req")
    loadgen_before = _loadgen_cpu_seconds()
    meter.start(split_root=web_pid)
    result = run()
    loadgen_seconds = _loadgen_cpu_seconds() - loadgen_before
    cost = StackCost()
    try:
        cost.documents_queued_at_end = sum(queue_depths(DOCUMENT_QUEUES).values())
    except Exception:
        cost.documents_queued_at_end = None
    # Background work the load caused is part of its cost: the meter runs until it drained.
    cost.drain_seconds = round(wait_for_background_work(DRAIN_TIMEOUT_SECONDS, say,
                                                        interval=0.5), 1)
    meter.stop()
    # Web workers add their counts to Redis every OBSERVABILITY_FLUSH_SECONDS.
    time.sleep(settings.OBSERVABILITY_FLUSH_SECONDS + 1)
    routes = summarize_by_route(_diff(read_totals("req"), totals_before))
    routes = {name: s for name, s in routes.items() if name not in _NOT_TRAFFIC}
    total = combined(routes.values())
    cost.server_requests = total.requests
    if total.requests:
        cost.queries_per_request = round(total.db_queries / total.requests, 2)
    cost.cache_hit_pct = None if total.cache_hit_pct is None else round(total.cache_hit_pct, 1)
    cost.cpu_ms_per_request = meter.per_request_ms(total.requests)
    cost.cpu_ms_per_request["load generator"] = (
        round(loadgen_seconds * 1000 / total.requests, 2) if total.requests else None)
    cost.busiest_worker_share = meter.busiest_worker_share()
    cost.routes = [
        {"route": name, "requests": s.requests,
         "queries_per_request": round(s.db_queries / s.requests, 2),
         "cache_hit_pct": None if s.cache_hit_pct is None else round(s.cache_hit_pct, 1),
         "mean_ms": None if s.mean_ms is None else round(s.mean_ms, 1)}
        for name, s in sorted(routes.items(), key=lambda item: -item[1].requests)
        if s.requests]
    return result, cost
