"""Small helpers shared by the bench_* management commands: timing, percentiles, reports.

Benchmarks print p50/p95/p99 and compare the optimised path with the naive one in the
same run; they never run inside the test suite.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    label: str
    samples_ms: list[float]

    def percentile(self, pct: float) -> float:
        ordered = sorted(self.samples_ms)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    def row(self) -> str:
        return (f"{self.label:<40} n={len(self.samples_ms):<5} p50={self.p50:9.2f} ms  "
                f"p95={self.p95:9.2f} ms  p99={self.p99:9.2f} ms")


def measure(label: str, action: Callable[[int], object], runs: int,
            progress: Callable[[str], None] | None = None) -> Timing:
    """Call `action(i)` `runs` times and time each call."""
    samples: list[float] = []
    step = max(1, runs // 10)
    for i in range(runs):
        started = time.perf_counter()
        action(i)
        samples.append((time.perf_counter() - started) * 1000)
        if progress and (i + 1) % step == 0:
            progress(f"  {label}: {i + 1}/{runs}")
    return Timing(label, samples)


def ratio_line(naive: Timing, fast: Timing) -> str:
    return (f"ratio naive/optimised: p50 {naive.p50 / fast.p50:6.1f}x   "
            f"p95 {naive.p95 / fast.p95:6.1f}x")
