"""Summaries of per-minute request hashes: totals, errors, latency buckets, cache ratio.

Shared by the alert rules and the dashboard so both read the numbers the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from apps.observability.histogram import percentile_ms
from apps.observability.store import SEP


@dataclass
class Summary:
    requests: int = 0
    errors: int = 0  # 5xx responses
    us: int = 0
    db_queries: int = 0
    db_us: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    buckets: dict[str, int] = field(default_factory=dict)

    def add_field(self, kind: str, value: int) -> None:
        if kind == "n":
            self.requests += value
        elif kind == "us":
            self.us += value
        elif kind.startswith("b:"):
            label = kind[2:]
            self.buckets[label] = self.buckets.get(label, 0) + value
        elif kind.startswith("s:"):
            if kind[2:3] == "5":
                self.errors += value
        elif kind == "dbq":
            self.db_queries += value
        elif kind == "dbus":
            self.db_us += value
        elif kind.startswith("c:"):
            if kind.endswith(":h"):
                self.cache_hits += value
            else:
                self.cache_misses += value

    def merge(self, other: Summary) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.us += other.us
        self.db_queries += other.db_queries
        self.db_us += other.db_us
        self.cache_hits += other.cache_hits
        self.cache_misses += other.cache_misses
        for label, count in other.buckets.items():
            self.buckets[label] = self.buckets.get(label, 0) + count

    def percentile(self, pct: float) -> float | None:
        return percentile_ms(self.buckets, pct)

    @property
    def error_rate_pct(self) -> float | None:
        return self.errors / self.requests * 100 if self.requests else None

    @property
    def cache_lookups(self) -> int:
        return self.cache_hits + self.cache_misses

    @property
    def cache_hit_pct(self) -> float | None:
        lookups = self.cache_lookups
        return self.cache_hits / lookups * 100 if lookups else None

    @property
    def mean_ms(self) -> float | None:
        return self.us / self.requests / 1000 if self.requests else None


def summarize(fields: Mapping[str, int]) -> Summary:
    summary = Summary()
    for name, value in fields.items():
        summary.add_field(name.rpartition(SEP)[2], value)
    return summary


def summarize_by_route(fields: Mapping[str, int]) -> dict[str, Summary]:
    routes: dict[str, Summary] = {}
    for name, value in fields.items():
        route, _, rest = name.partition(SEP)
        summary = routes.get(route)
        if summary is None:
            summary = routes[route] = Summary()
        summary.add_field(rest.rpartition(SEP)[2], value)
    return routes


def combined(summaries: Iterable[Summary]) -> Summary:
    total = Summary()
    for summary in summaries:
        total.merge(summary)
    return total
