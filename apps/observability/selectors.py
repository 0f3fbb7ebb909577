"""Reads for the performance dashboard and /metrics."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings

from apps.observability.aggregate import Summary, combined, summarize_by_route
from apps.observability.alerts import RULES_BY_KEY
from apps.observability.models import AlertEvent
from apps.observability.pgstats import pg_stat_statements_top
from apps.observability.recording import MV_LIST, SLOW_COUNT, SLOW_LIST, recent
from apps.observability.store import minute_of, read_minutes, read_totals, redis_client

# Window (minutes) -> step (minutes per chart point): at most ~100 points per chart.
WINDOWS = {15: 1, 60: 1, 360: 5, 1440: 15}
TOP_ROUTES = 20
CHART_ROUTES = 8
# kombu's Redis transport keeps priority levels in sibling lists "<queue>\x06\x16<n>".
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def queue_depths(queues: Iterable[str] | None = None) -> dict[str, int]:
    """Messages waiting per Celery queue, read from the broker now."""
    from advisoros.celery import app

    names = list(queues if queues is not None else settings.OBSERVABILITY_QUEUES)
    if not names:
        return {}
    with app.connection_for_read() as conn:
        client = conn.default_channel.client
        pipe = client.pipeline(transaction=False)
        for name in names:
            for suffix in _PRIORITY_SUFFIXES:
                pipe.llen(name + suffix)
        counts = pipe.execute()
    per_queue = len(_PRIORITY_SUFFIXES)
    return {name: sum(counts[i * per_queue:(i + 1) * per_queue])
            for i, name in enumerate(names)}


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _route_row(route: str, summary: Summary, seconds: int) -> dict:
    return {
        "route": route,
        "requests": summary.requests,
        "rps": round(summary.requests / seconds, 2),
        "p50": _round(summary.percentile(50)),
        "p95": _round(summary.percentile(95)),
        "p99": _round(summary.percentile(99)),
        "error_pct": _round(summary.error_rate_pct, 2),
        "db_queries_per_request": _round(
            summary.db_queries / summary.requests if summary.requests else None, 2),
        "cache_hit_pct": _round(summary.cache_hit_pct),
    }


def _steps(minutes: list[int], step: int) -> list[list[int]]:
    return [minutes[i:i + step] for i in range(0, len(minutes), step)]


def _slow_query_groups(entries: list[dict]) -> list[dict]:
    groups: dict[str, dict] = {}
    for entry in entries:
        group = groups.get(entry["sql"])
        if group is None:
            group = groups[entry["sql"]] = {"sql": entry["sql"], "count": 0, "max_ms": 0.0,
                                            "last_at": entry["at"], "route": entry["route"],
                                            "firm": entry["firm"]}
        group["count"] += 1
        group["max_ms"] = max(group["max_ms"], entry["ms"])
    return sorted(groups.values(), key=lambda g: g["max_ms"], reverse=True)[:20]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def alerts_recent(limit: int = 50) -> list[dict]:
    return [
        {"rule": event.rule,
         "title": RULES_BY_KEY[event.rule].title if event.rule in RULES_BY_KEY else event.rule,
         "fired_at": _iso(event.fired_at), "cleared_at": _iso(event.cleared_at),
         "threshold": event.threshold, "fired_value": round(event.fired_value, 2),
         "last_value": _round(event.last_value, 2), "open": event.is_open}
        for event in AlertEvent.objects.all()[:limit]
    ]


def dashboard_data(*, minutes: int, now: float | None = None) -> dict:
    """Everything the performance dashboard draws, for the last `minutes` (a WINDOWS key)."""
    step = WINDOWS[minutes]
    now = time.time() if now is None else now
    current = minute_of(now)
    all_minutes = list(range(current - minutes + 1, current + 1))
    steps = _steps(all_minutes, step)
    requests = read_minutes("req", all_minutes)
    tasks = read_minutes("task", all_minutes)
    queues = read_minutes("queue", all_minutes)

    labels = [datetime.fromtimestamp(group[0] * 60, UTC).strftime("%H:%M") for group in steps]
    per_minute_routes = [summarize_by_route(fields) for fields in requests]
    window_routes: dict[str, Summary] = {}
    for routes in per_minute_routes:
        for route, summary in routes.items():
            window_routes.setdefault(route, Summary()).merge(summary)
    seconds = minutes * 60

    overall = {"p50": [], "p95": [], "p99": [], "rps": [], "error_pct": [],
               "cache_hit_pct": []}
    top = sorted(window_routes, key=lambda r: window_routes[r].requests, reverse=True)
    route_series = {route: {"p50": [], "p95": [], "p99": []} for route in top[:CHART_ROUTES]}
    offset = 0
    for group in steps:
        chunk = per_minute_routes[offset:offset + len(group)]
        offset += len(group)
        total = combined(s for routes in chunk for s in routes.values())
        for pct in (50, 95, 99):
            overall[f"p{pct}"].append(_round(total.percentile(pct)))
        overall["rps"].append(round(total.requests / (len(group) * 60), 2))
        overall["error_pct"].append(_round(total.error_rate_pct, 2))
        overall["cache_hit_pct"].append(_round(total.cache_hit_pct))
        for route, series in route_series.items():
            summary = combined(routes[route] for routes in chunk if route in routes)
            for pct in (50, 95, 99):
                series[f"p{pct}"].append(_round(summary.percentile(pct)))

    task_fields: dict[str, int] = {}
    for fields in tasks:
        for name, value in fields.items():
            task_fields[name] = task_fields.get(name, 0) + value
    task_rows = []
    for task, summary in sorted(summarize_by_route(task_fields).items()):
        failures = sum(v for k, v in task_fields.items()
                       if k.startswith(task + "\x1fstate:") and not k.endswith(":SUCCESS"))
        task_rows.append({"task": task, "count": summary.requests,
                          "p50": _round(summary.percentile(50)),
                          "p95": _round(summary.percentile(95)),
                          "p99": _round(summary.percentile(99)),
                          "mean": _round(summary.mean_ms), "failures": failures})

    queue_names = sorted({name for fields in queues for name in fields})
    queue_series = {name: [] for name in queue_names}
    offset = 0
    for group in steps:
        chunk = queues[offset:offset + len(group)]
        offset += len(group)
        for name in queue_names:
            values = [fields[name] for fields in chunk if name in fields]
            queue_series[name].append(max(values) if values else None)

    statements = pg_stat_statements_top()
    window_total = combined(window_routes.values())
    return {
        "window": {"minutes": minutes, "step": step, "labels": labels,
                   "choices": sorted(WINDOWS)},
        "totals": _route_row("all routes", window_total, seconds),
        "overall": overall,
        "routes": [_route_row(route, window_routes[route], seconds)
                   for route in top[:TOP_ROUTES]],
        "route_series": route_series,
        "tasks": task_rows,
        "queues": {"series": queue_series},
        "mv_refreshes": recent(MV_LIST, 100),
        "slow_queries": _slow_query_groups(recent(SLOW_LIST)),
        "alerts": alerts_recent(),
        "pg_stat_statements": {"available": statements.available, "note": statements.note,
                               "rows": statements.rows},
        "slow_query_ms": settings.SLOW_QUERY_MS,
    }


def metrics_snapshot() -> dict:
    """The running totals /metrics exposes."""
    from apps.observability.models import AlertEvent

    firing = set(AlertEvent.objects.filter(cleared_at__isnull=True)
                 .values_list("rule", flat=True))
    try:
        depths = queue_depths()
    except Exception:  # broker down: /metrics still answers, /health/ reports the broker
        depths = {}
    slow = redis_client().get(SLOW_COUNT)
    return {
        "requests": read_totals("req"), "tasks": read_totals("task"),
        "refreshes": read_totals("mv"), "queue_depths": depths,
        "alerts_firing": [(key, key in firing) for key in RULES_BY_KEY],
        "slow_queries": int(slow or 0),
    }
