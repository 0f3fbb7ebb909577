"""Accuracy of the forecasts against seasonal naive (apps/insight/evaluation.py); prints a
Markdown table for docs/benchmarks.md."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from apps.insight import engine, evaluation


class Command(BaseCommand):
    help = "Evaluate forecast accuracy (MASE vs seasonal naive) on public and generated series."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--synthetic", type=int, default=100,
                            help="generated histories per kind (default 100)")
        parser.add_argument("--models", default=",".join(engine.DEFAULT_MODELS),
                            help="comma-separated: AutoETS,AutoARIMA,Theta")
        parser.add_argument("--jobs", type=int, default=2)

    def handle(self, *args, **options) -> None:
        models = tuple(m for m in options["models"].split(",") if m)
        unknown = set(models) - set(engine.FULL_MODELS)
        if unknown:
            self.stderr.write(f"Unknown models: {', '.join(sorted(unknown))}")
            return
        sets = {**evaluation.public_cases(), **evaluation.synthetic_cases(options["synthetic"])}
        self.stdout.write(f"Models: {', '.join(models)}; baseline seasonal naive.\n")
        self.stdout.write("| dataset | cases | MASE (engine) | MASE (seasonal naive) | ratio | "
                          "engine better | low confidence | 80 % band held | 95 % band held |")
        self.stdout.write("|---|---|---|---|---|---|---|---|---|")
        for name, cases in sets.items():
            started = time.perf_counter()
            s = evaluation.score(name, cases, models=models, n_jobs=options["jobs"])
            self.stdout.write(
                f"| {s.name} | {s.cases} | {s.mase:.3f} | {s.baseline_mase:.3f} | "
                f"{s.mase / s.baseline_mase:.2f} | {s.wins:.0%} | {s.low_confidence:.0%} | "
                f"{s.coverage80:.0%} | {s.coverage95:.0%} |")
            self.stderr.write(f"{name}: {time.perf_counter() - started:.1f} s")
