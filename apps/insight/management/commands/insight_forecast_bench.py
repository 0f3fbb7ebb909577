"""Speed: forecasting many client series at once (statsforecast, vectorised over `--jobs`
processes) against the naive way, one series at a time in a loop. The loop is timed on a
sample and scaled up (it would take too long at full size); both print series/second."""

from __future__ import annotations

import time

import numpy as np
from django.core.management.base import BaseCommand

from apps.insight import engine


def _series(count: int, months: int, seed: int = 5) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    out = {}
    for i in range(count):
        level = rng.uniform(1_000, 50_000)
        season = np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        out[f"c{i}"] = (level * (1 + 0.3 * season + 0.001 * t + 0.08 * rng.normal(0, 1, months))
                        ).tolist()
    return out


class Command(BaseCommand):
    help = "Benchmark forecasting N client series: vectorised batch vs a per-series loop."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--series", type=int, default=10_000)
        parser.add_argument("--months", type=int, default=36)
        parser.add_argument("--horizon", type=int, default=6)
        parser.add_argument("--jobs", type=int, default=2)
        parser.add_argument("--loop-sample", type=int, default=50)
        parser.add_argument("--models", default=",".join(engine.DEFAULT_MODELS))

    def handle(self, *args, **o) -> None:
        models = tuple(m for m in o["models"].split(",") if m)
        series = _series(o["series"], o["months"])
        engine.forecast_many(dict(list(series.items())[:5]), o["horizon"], models=models,
                             n_jobs=1)  # imports and first-call set-up, not measured
        started = time.perf_counter()
        batch = engine.forecast_many(series, o["horizon"], models=models, n_jobs=o["jobs"])
        batch_s = time.perf_counter() - started
        sample = list(series.items())[:o["loop_sample"]]
        started = time.perf_counter()
        for key, values in sample:
            engine.forecast_many({key: values}, o["horizon"], models=models, n_jobs=1)
        loop_each = (time.perf_counter() - started) / len(sample)
        self.stdout.write(
            f"models {', '.join(models)}; {o['series']} series x {o['months']} months, "
            f"{o['horizon']} ahead, backtest {engine.MAX_BACKTEST_WINDOWS} windows\n"
            f"vectorised batch (n_jobs={o['jobs']}): {batch_s:.1f} s "
            f"({o['series'] / batch_s:.0f} series/s), {len(batch)} forecasts\n"
            f"per-series loop: {loop_each * 1000:.0f} ms a series on {len(sample)} series -> "
            f"{loop_each * o['series']:.0f} s for {o['series']} (estimated)\n"
            f"speed-up {loop_each * o['series'] / batch_s:.1f}x; budget 120 s: "
            f"{'met' if batch_s <= 120 else 'NOT met'}")
