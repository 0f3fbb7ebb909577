"""Prometheus text exposition (format 0.0.4) of the running totals kept in Redis.

Every gunicorn worker adds its counts to the same Redis hashes, so any worker answering
/metrics reports the whole fleet's numbers. Durations are exported in seconds, as
Prometheus expects; the histogram buckets are the ones of histogram.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from apps.observability.histogram import BOUNDS_MS, LABELS
from apps.observability.store import SEP

LE_SECONDS = {label: ("+Inf" if label == "inf" else f"{bound / 1000:g}")
              for label, bound in zip(LABELS, (*BOUNDS_MS, None), strict=True)}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Mapping[str, str]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in pairs.items()) + "}"


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, labels: Mapping[str, str], value: float) -> None:
        self.lines.append(f"{name}{_labels(labels)} {value:g}")

    def histogram(self, name: str, labels: Mapping[str, str], buckets: Mapping[str, int],
                  sum_us: int) -> None:
        cumulative = 0
        for label in LABELS:
            cumulative += buckets.get(label, 0)
            self.sample(f"{name}_bucket", {**labels, "le": LE_SECONDS[label]}, cumulative)
        self.sample(f"{name}_sum", labels, sum_us / 1_000_000)
        self.sample(f"{name}_count", labels, cumulative)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _group(totals: Mapping[str, int], parts: int) -> dict[tuple[str, ...], dict[str, int]]:
    """{(series labels...): {kind: value}} from `<a>\x1f<b>\x1f<kind>` fields."""
    grouped: dict[tuple[str, ...], dict[str, int]] = defaultdict(dict)
    for name, value in totals.items():
        pieces = name.split(SEP)
        if len(pieces) != parts + 1:
            continue
        grouped[tuple(pieces[:parts])][pieces[parts]] = value
    return grouped


def _buckets(kinds: Mapping[str, int]) -> dict[str, int]:
    return {kind[2:]: value for kind, value in kinds.items() if kind.startswith("b:")}


def render(*, requests: Mapping[str, int], tasks: Mapping[str, int],
           refreshes: Mapping[str, int], queue_depths: Mapping[str, int],
           alerts_firing: Iterable[tuple[str, bool]], slow_queries: int) -> str:
    out = Exposition()
    by_route = sorted(_group(requests, 2).items())

    out.family("advisoros_http_requests_total", "counter",
               "HTTP requests by route pattern, firm and status code.")
    for (route, firm), kinds in by_route:
        for kind, value in sorted(kinds.items()):
            if kind.startswith("s:"):
                out.sample("advisoros_http_requests_total",
                           {"route": route, "firm": firm, "status": kind[2:]}, value)

    out.family("advisoros_http_request_duration_seconds", "histogram",
               "Server time per request, from the first middleware to the response.")
    for (route, firm), kinds in by_route:
        out.histogram("advisoros_http_request_duration_seconds",
                      {"route": route, "firm": firm}, _buckets(kinds), kinds.get("us", 0))

    out.family("advisoros_http_db_queries_total", "counter", "Database queries run by requests.")
    for (route, firm), kinds in by_route:
        out.sample("advisoros_http_db_queries_total", {"route": route, "firm": firm},
                   kinds.get("dbq", 0))
    out.family("advisoros_http_db_seconds_total", "counter",
               "Time requests spent waiting on the database.")
    for (route, firm), kinds in by_route:
        out.sample("advisoros_http_db_seconds_total", {"route": route, "firm": firm},
                   kinds.get("dbus", 0) / 1_000_000)

    out.family("advisoros_cache_requests_total", "counter",
               "Cache lookups by cache alias, key namespace and result.")
    for (route, firm), kinds in by_route:
        for kind, value in sorted(kinds.items()):
            if kind.startswith("c:"):
                where, _, result = kind[2:].rpartition(":")
                cache, _, namespace = where.partition("/")
                out.sample("advisoros_cache_requests_total",
                           {"route": route, "firm": firm, "cache": cache,
                            "namespace": namespace,
                            "result": "hit" if result == "h" else "miss"}, value)

    by_task = sorted(_group(tasks, 1).items())
    out.family("advisoros_celery_tasks_total", "counter", "Celery tasks run, by final state.")
    for (task,), kinds in by_task:
        for kind, value in sorted(kinds.items()):
            if kind.startswith("state:"):
                out.sample("advisoros_celery_tasks_total",
                           {"task": task, "state": kind[6:]}, value)
    out.family("advisoros_celery_task_duration_seconds", "histogram", "Celery task run time.")
    for (task,), kinds in by_task:
        out.histogram("advisoros_celery_task_duration_seconds", {"task": task},
                      _buckets(kinds), kinds.get("us", 0))

    out.family("advisoros_celery_queue_depth", "gauge", "Messages waiting in a Celery queue.")
    for queue, depth in sorted(queue_depths.items()):
        out.sample("advisoros_celery_queue_depth", {"queue": queue}, depth)

    out.family("advisoros_mv_refresh_seconds", "summary",
               "Materialized-view refresh time, by view and firm.")
    for (view, firm), kinds in sorted(_group(refreshes, 2).items()):
        labels = {"view": view, "firm": firm}
        out.sample("advisoros_mv_refresh_seconds_sum", labels, kinds.get("us", 0) / 1_000_000)
        out.sample("advisoros_mv_refresh_seconds_count", labels, kinds.get("n", 0))

    out.family("advisoros_slow_queries_total", "counter",
               "Queries slower than SLOW_QUERY_MS, since the totals were last reset.")
    out.sample("advisoros_slow_queries_total", {}, slow_queries)

    out.family("advisoros_alert_firing", "gauge", "1 while an alert rule is firing.")
    for rule, firing in alerts_firing:
        out.sample("advisoros_alert_firing", {"rule": rule}, 1 if firing else 0)
    return out.text()
