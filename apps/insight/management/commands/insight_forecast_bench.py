"""Speed: forecasting many client series at once against the naive way, one series at a
time. The default (vectorised) engine runs the whole batch; the per-series loops (the same
engine, and the previous default, statsforecast's AutoETS + Theta) are timed on samples
and scaled up, since they would take too long at full size. All print series/second."""

from __future__ import annotations

import os
import time

import numpy as np
from django.core.management.base import BaseCommand

from apps.insight import engine


def _series(count: int, months: int, seed: int = 5, *, mixed: bool = False
            ) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(count):
        length = int(rng.integers(12, months + 1)) if mixed else months
        t = np.arange(length)
        level = rng.uniform(1_000, 50_000)
        season = np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        out[f"c{i}"] = (level * (1 + 0.3 * season + 0.001 * t + 0.08 * rng.normal(0, 1, length))
                        ).tolist()
    return out


def _loop(sample, horizon: int, models) -> float:
    started = time.perf_counter()
    for key, values in sample:
        engine.forecast_many({key: values}, horizon, models=models, n_jobs=1)
    return (time.perf_counter() - started) / len(sample)


class Command(BaseCommand):
    help = "Benchmark forecasting N client series: the batch engine vs per-series loops."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--series", type=int, default=10_000)
        parser.add_argument("--months", type=int, default=36)
        parser.add_argument("--mixed-lengths", action="store_true",
                            help="lengths drawn from 12 to --months (several batches)")
        parser.add_argument("--horizon", type=int, default=6)
        parser.add_argument("--jobs", type=int, default=2)
        parser.add_argument("--loop-sample", type=int, default=20)
        parser.add_argument("--models", default=",".join(engine.DEFAULT_MODELS))
        parser.add_argument("--naive-models", default="AutoETS,Theta",
                            help="the previous default, timed per series on the sample")

    def handle(self, *args, **o) -> None:
        models = tuple(m for m in o["models"].split(",") if m)
        naive_models = tuple(m for m in o["naive_models"].split(",") if m)
        series = _series(o["series"], o["months"], mixed=o["mixed_lengths"])
        sample = list(series.items())[:o["loop_sample"]]
        engine.forecast_many(dict(sample[:5]), o["horizon"], models=models,
                             n_jobs=1)  # imports and first-call set-up, not measured
        engine.forecast_many(dict(sample[:2]), o["horizon"], models=naive_models, n_jobs=1)
        started = time.perf_counter()
        batch = engine.forecast_many(series, o["horizon"], models=models, n_jobs=o["jobs"])
        batch_s = time.perf_counter() - started
        same_each = _loop(sample, o["horizon"], models)
        naive_each = _loop(sample, o["horizon"], naive_models)
        n = o["series"]
        self.stdout.write(
            f"load average at start of loops: {os.getloadavg()[0]:.1f}\n"
            f"models {', '.join(models)}; {n} series x "
            f"{'12-' if o['mixed_lengths'] else ''}{o['months']} months, {o['horizon']} ahead, "
            f"backtest up to {engine.MAX_BACKTEST_WINDOWS} windows\n"
            f"batch: {batch_s:.1f} s ({n / batch_s:.0f} series/s), {len(batch)} forecasts\n"
            f"same engine, one series at a time: {same_each * 1000:.0f} ms a series on "
            f"{len(sample)} -> {same_each * n:.0f} s for {n} (estimated)\n"
            f"naive way ({', '.join(naive_models)}, one series at a time): "
            f"{naive_each * 1000:.0f} ms a series on {len(sample)} -> {naive_each * n:.0f} s "
            f"for {n} (estimated)\n"
            f"speed-up over the naive way {naive_each * n / batch_s:.0f}x; budget 120 s: "
            f"{'met' if batch_s <= 120 else 'NOT met'}")
