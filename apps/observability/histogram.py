"""Fixed latency buckets and percentile estimates from bucket counts.

Prometheus-style: a histogram is a count per upper bound. Counts add up across gunicorn
workers and minutes with plain HINCRBY, which a list of raw samples would not; the price
is that a percentile is an estimate within its bucket (linear interpolation, as
Prometheus' histogram_quantile does).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping

# Upper bounds in milliseconds; the last bucket (+Inf) is implied.
BOUNDS_MS: tuple[float, ...] = (
    1, 2.5, 5, 10, 25, 50, 75, 100, 150, 250, 500, 750, 1000, 2500, 5000, 10000,
)
INF = "inf"
# Bucket labels as stored in Redis field names: "1", "2.5", ..., "inf".
LABELS: tuple[str, ...] = (*(f"{b:g}" for b in BOUNDS_MS), INF)


def bucket_label(ms: float) -> str:
    """The label of the smallest bucket whose upper bound is >= `ms`."""
    return LABELS[bisect_left(BOUNDS_MS, ms)]


def percentile_ms(counts: Mapping[str, int], pct: float) -> float | None:
    """Estimate the `pct` percentile (0-100) from per-bucket counts; None when empty.

    Within a bucket the samples are assumed evenly spread; in the +Inf bucket the
    estimate is the last finite bound (it cannot be known better).
    """
    total = sum(counts.get(label, 0) for label in LABELS)
    if total <= 0:
        return None
    rank = pct / 100 * total
    seen = 0
    lower = 0.0
    for label, upper in zip(LABELS, (*BOUNDS_MS, None), strict=True):
        in_bucket = counts.get(label, 0)
        if in_bucket and seen + in_bucket >= rank:
            if upper is None:
                return float(BOUNDS_MS[-1])
            fraction = (rank - seen) / in_bucket
            return round(lower + (upper - lower) * fraction, 3)
        seen += in_bucket
        if upper is not None:
            lower = float(upper)
    return float(BOUNDS_MS[-1])
