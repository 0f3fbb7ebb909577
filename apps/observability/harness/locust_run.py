"""Run one scenario headless with locust and read its results back."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from apps.observability.harness.scenarios import Scenario
from apps.observability.harness.stack import BIN, ROOT


@dataclass
class ScenarioResult:
    name: str
    status: str  # "passed", "failed", "skipped", "error"
    reason: str = ""
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    error_pct: float = 0.0
    users: int = 0
    seconds: int = 0
    thresholds: dict | None = None
    serving: str = ""
    endpoints: list[dict] | None = None
    cache_only: bool = False
    # What the stack spent (harness/measure.py StackCost, as a dict).
    cost: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _row_numbers(row: dict) -> dict:
    requests = int(row["Request Count"])
    failures = int(row["Failure Count"])
    return {"requests": requests, "failures": failures, "rps": float(row["Requests/s"]),
            "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
            "error_pct": round(failures / requests * 100, 3) if requests else 0.0}


def run_scenario(scenario: Scenario, *, fixtures: dict, port: int, serving: str,
                 duration_scale: float = 1.0) -> ScenarioResult:
    seconds = max(5, int(scenario.run_seconds * duration_scale))
    with tempfile.TemporaryDirectory(prefix="advisoros-locust-") as tmp:
        fixtures_path = Path(tmp) / "fixtures.json"
        fixtures_path.write_text(json.dumps(fixtures))
        env = dict(os.environ, LOADTEST_FIXTURES=str(fixtures_path),
                   LOADTEST_MAX_REQUESTS=str(scenario.max_requests))
        argv = [str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"),
                scenario.user_class, "--headless", "-u", str(scenario.users),
                "-r", str(scenario.spawn_rate), "-t", f"{seconds}s",
                "--host", f"http://127.0.0.1:{port}", "--csv", str(Path(tmp) / "run"),
                "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=seconds + 120)
        stats_path = Path(tmp) / "run_stats.csv"
        if not stats_path.exists():
            return ScenarioResult(scenario.name, "error",
                                  reason=(proc.stderr or proc.stdout)[-500:], serving=serving)
        with stats_path.open() as handle:
            rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    result = ScenarioResult(scenario.name, "passed", users=scenario.users, seconds=seconds,
                            thresholds=asdict(scenario.thresholds), serving=serving,
                            cache_only=scenario.cache_only,
                            **_row_numbers(total))
    result.endpoints = [{"name": r["Name"], "method": r["Type"], **_row_numbers(r)}
                        for r in rows if r["Name"] != "Aggregated"]
    limits = scenario.thresholds
    problems = []
    if result.p95_ms > limits.p95_ms:
        problems.append(f"p95 {result.p95_ms:.0f} ms > {limits.p95_ms:.0f} ms")
    if result.error_pct > limits.max_error_pct:
        problems.append(f"errors {result.error_pct:.2f} % > {limits.max_error_pct} %")
    if limits.min_rps and result.rps < limits.min_rps:
        problems.append(f"{result.rps:.0f} requests/s < {limits.min_rps:.0f}")
    if problems:
        result.status = "failed"
        result.reason = "; ".join(problems)
    return result
