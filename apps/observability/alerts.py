"""The alert rules, measured from the per-minute metrics in Redis.

Rules look at complete minutes only (the current one is still filling). A rule with too
little data to judge (no traffic, fewer than MIN_SAMPLES requests or cache lookups)
measures None and counts as not breached, so an idle night clears a latency alert
instead of keeping it open.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from apps.observability.aggregate import Summary, summarize
from apps.observability.models import AlertRuleKey
from apps.observability.store import minute_of, read_minutes

WINDOW_MINUTES = 5
MIN_SAMPLES = 20


@dataclass(frozen=True)
class Window:
    """The last WINDOW_MINUTES complete minutes, one Summary each, oldest first."""

    minutes: list[Summary]
    queue_depths: Mapping[str, int]

    @property
    def total(self) -> Summary:
        total = Summary()
        for minute in self.minutes:
            total.merge(minute)
        return total


def window_at(now: float, queue_depths: Mapping[str, int]) -> Window:
    last_complete = minute_of(now) - 1
    minutes = list(range(last_complete - WINDOW_MINUTES + 1, last_complete + 1))
    return Window([summarize(fields) for fields in read_minutes("req", minutes)],
                  dict(queue_depths))


def _p95_sustained(window: Window) -> float | None:
    # "p95 > 500 ms for 5 minutes": every one of the minutes breaches, so the value to
    # compare is the lowest per-minute p95.
    values = [m.percentile(95) for m in window.minutes]
    if not values or any(v is None for v in values):
        return None
    return min(values)


def _error_rate(window: Window) -> float | None:
    total = window.total
    return total.error_rate_pct if total.requests >= MIN_SAMPLES else None


def _cache_hit_ratio(window: Window) -> float | None:
    total = window.total
    return total.cache_hit_pct if total.cache_lookups >= MIN_SAMPLES else None


def _queue_depth(window: Window) -> float | None:
    return float(max(window.queue_depths.values())) if window.queue_depths else None


@dataclass(frozen=True)
class AlertRule:
    key: AlertRuleKey
    threshold: float
    unit: str
    measure: Callable[[Window], float | None]
    compare: Callable[[float, float], bool]

    @property
    def title(self) -> str:
        return self.key.label

    def breached(self, value: float | None) -> bool:
        return value is not None and self.compare(value, self.threshold)


RULES: tuple[AlertRule, ...] = (
    AlertRule(AlertRuleKey.P95_LATENCY, 500.0, "ms", _p95_sustained, operator.gt),
    AlertRule(AlertRuleKey.ERROR_RATE, 1.0, "%", _error_rate, operator.gt),
    AlertRule(AlertRuleKey.CACHE_HIT_RATIO, 60.0, "%", _cache_hit_ratio, operator.lt),
    AlertRule(AlertRuleKey.QUEUE_DEPTH, 100.0, "messages", _queue_depth, operator.gt),
)
RULES_BY_KEY = {rule.key.value: rule for rule in RULES}
