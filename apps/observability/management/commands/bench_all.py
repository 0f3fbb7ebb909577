"""`make bench`: seed if needed, run every load scenario against granian (or gunicorn) +
Celery on 127.0.0.1, run every other bench_* command, and write the JSON and markdown
report.

    manage.py bench_all [--size full|small] [--scenarios a,b] [--serving-matrix]
                        [--no-benches] [--duration-scale 0.5]
                        [--server granian|gunicorn --workers 2 --threads 1]

Bounded: each scenario has a time limit and a request cap; bench commands get
--bench-timeout seconds each. Scenarios whose routes do not exist yet are skipped with
the reason printed (and reported).
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse

from apps.firms.models import Firm
from apps.observability.harness.fixtures import SIZES, ensure_seed, load_fixtures
from apps.observability.harness.identities import mix_identities
from apps.observability.harness.locust_run import ScenarioResult, run_scenario
from apps.observability.harness.measure import StackCost, measured
from apps.observability.harness.report import (
    _loadavg,
    bench_summary,
    commit_info,
    cost_line,
    machine_info,
    now_iso,
    write_reports,
)
from apps.observability.harness.scenarios import (
    SCENARIOS,
    SCENARIOS_BY_NAME,
    SEED004_FIXTURES,
    skip_reason,
)
from apps.observability.harness.stack import (
    ROOT,
    ServingConfig,
    Stack,
    free_port,
    wait_for_background_work,
)

# The documents queue must be empty this soon after the load stops (issue 13).
DRAIN_BUDGET_SECONDS = 60

# The mixed read workload under each way of serving it (`--serving-matrix`).
SERVING_MATRIX = (
    ServingConfig("granian", workers=2, threads=1, conn_max_age=600),
    ServingConfig("granian", workers=2, threads=1, conn_max_age=0),
    ServingConfig("granian", workers=3, threads=1, conn_max_age=600),
    ServingConfig("granian", workers=2, threads=2, conn_max_age=600),
    ServingConfig("gunicorn", "sync", workers=3, threads=1, conn_max_age=600),
    ServingConfig("gunicorn", "sync", workers=3, threads=1, conn_max_age=0),
    ServingConfig("gunicorn", "gthread", workers=3, threads=4, conn_max_age=600),
)


class Command(BaseCommand):
    help = "Run every load scenario and bench command; write docs/bench-report.{json,md}."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="full")
        parser.add_argument("--skip-seed", action="store_true")
        parser.add_argument("--scenarios", default="",
                            help="Comma-separated names (default: all).")
        parser.add_argument("--only", default="",
                            help="Run just these scenarios (comma-separated) and no bench "
                                 "command, e.g. --only seed004_mix: the headline in minutes.")
        parser.add_argument("--serving-matrix", action="store_true",
                            help="Also run mixed_read under sync/gthread x persistent/not.")
        parser.add_argument("--no-benches", action="store_true")
        parser.add_argument("--bench-timeout", type=int, default=900)
        parser.add_argument("--duration-scale", type=float, default=1.0)
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--server", default="granian", choices=["granian", "gunicorn"])
        parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"],
                            help="gunicorn only")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--out", default=str(ROOT / "docs"))

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args, **opts) -> None:
        if opts["only"]:
            opts["scenarios"], opts["no_benches"] = opts["only"], True
        names = [n.strip() for n in opts["scenarios"].split(",") if n.strip()]
        unknown = [n for n in names if n not in SCENARIOS_BY_NAME]
        if unknown:
            raise CommandError(f"Unknown scenario(s): {', '.join(unknown)}. Known: "
                               + ", ".join(SCENARIOS_BY_NAME))
        if not 0.05 <= opts["duration_scale"] <= 10:
            raise CommandError("--duration-scale must be between 0.05 and 10.")
        scenarios = [SCENARIOS_BY_NAME[n] for n in names] if names else list(SCENARIOS)
        started = time.monotonic()
        command = " ".join(["manage.py", *sys.argv[1:]]) \
            if sys.argv[1:2] == ["bench_all"] else "manage.py bench_all"
        report: dict = {"generated_at": now_iso(), "command": command,
                        "machine": machine_info(), "commit": commit_info(), "notes": [],
                        "scenarios": [], "benches": []}
        self.say(f"AdvisorOS bench: load average {report['machine']['loadavg_at_start']}")

        self.say("1/4 database: migrate, static files")
        # Its own process: schema changes run as the owner role (advisoros/db_roles.py).
        subprocess.run([sys.executable, "manage.py", "migrate_schemas", "-v", "0"],
                       cwd=ROOT, check=True)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                       cwd=ROOT, check=True, env=_env_debug_off())
        if not opts["skip_seed"]:
            self.say(f"2/4 seed data ({opts['size']})")
            report["notes"] += ensure_seed(SIZES[opts["size"]], self.say)
        fixtures = load_fixtures(settings.BASE_DOMAIN, self.say)
        fixtures["upload_path"] = _upload_path()
        seed004 = any(s.needs_fixtures == SEED004_FIXTURES for s in scenarios)
        if seed004 and fixtures.get("firm_host"):
            firm_slug = fixtures["firm_host"].split(".", 1)[0]
            fixtures.update(mix_identities(Firm.objects.get(slug=firm_slug), self.say))

        self.say("3/4 load scenarios")
        default = ServingConfig(opts["server"], opts["worker_class"], opts["workers"],
                                opts["threads"],
                                settings.DATABASES["default"].get("CONN_MAX_AGE") or 0)
        runnable = []
        for scenario in scenarios:
            reason = skip_reason(scenario, fixtures)
            if reason:
                self.say(f"  SKIP {scenario.name}: {reason}")
                report["scenarios"].append(ScenarioResult(scenario.name, "skipped",
                                                          reason=reason).as_dict())
            else:
                runnable.append(scenario)
        configs = [default]
        if opts["serving_matrix"] and SCENARIOS_BY_NAME["mixed_read"] in runnable:
            configs += [c for c in SERVING_MATRIX if c != default]
        for config in configs:
            todo = runnable if config == default else [SCENARIOS_BY_NAME["mixed_read"]]
            if not todo:
                continue
            port = free_port(opts["port"])
            if port != opts["port"]:
                self.say(f"  port {opts['port']} is taken (another server); using {port}")
            self.say(f"  stack: {config.label} on 127.0.0.1:{port}")
            with Stack(config, port, ROOT / ".data" / "bench-logs") as stack:
                for scenario in todo:
                    # A quiet start: the previous scenario's uploads are processed first.
                    wait_for_background_work(600, self.say)
                    self.say(f"  RUN  {scenario.name}: {scenario.users} users, "
                             f"{scenario.run_seconds * opts['duration_scale']:.0f} s max, "
                             f"{scenario.max_requests} requests max")
                    result, cost = measured(stack, functools.partial(
                        run_scenario, scenario, fixtures=fixtures, port=port,
                        serving=config.label, duration_scale=opts["duration_scale"]),
                        self.say)
                    _judge_background(result, cost)
                    result.cost = asdict(cost)
                    self.say(f"       {result.status}: {result.requests} requests, "
                             f"{result.rps:.0f}/s, p50 {result.p50_ms:.0f} ms, p95 "
                             f"{result.p95_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, errors "
                             f"{result.error_pct:.2f} % {result.reason}")
                    self.say(f"       {cost_line(cost)}")
                    report["scenarios"].append(result.as_dict())

        if not opts["no_benches"]:
            self.say("4/4 bench commands")
            for command in sorted(n for n in get_commands() if n.startswith("bench_")
                                  and n != "bench_all"):
                report["benches"].append(self._run_bench(command, opts["bench_timeout"]))

        report["loadavg_at_end"] = _loadavg()
        report["seconds"] = round(time.monotonic() - started, 1)
        if opts["only"]:
            # A partial run keeps the full report and the block of docs/benchmarks.md.
            stem = "bench-report-" + "-".join(names)
            json_path, md_path = write_reports(report, Path(opts["out"]), None, stem=stem)
        else:
            json_path, md_path = write_reports(report, Path(opts["out"]),
                                               ROOT / "docs" / "benchmarks.md")
        self.say(f"done in {report['seconds']:.0f} s: {json_path} and {md_path}")

    def _run_bench(self, command: str, timeout: int) -> dict:
        self.say(f"  {command}")
        started = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, "manage.py", command], cwd=ROOT,
                                  capture_output=True, text=True, timeout=timeout)
            status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
            output = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            status, output = f"timed out after {timeout} s", str(exc.stdout or "")
        summary = bench_summary(output)
        for line in summary:
            self.say(f"    {line}")
        return {"command": command, "status": status, "summary": summary,
                "seconds": round(time.monotonic() - started, 1)}


def _judge_background(result: ScenarioResult, cost: StackCost) -> None:
    """Background work must keep up: the documents queue drains soon after the load."""
    if result.status != "passed" and result.status != "failed":
        return
    if cost.drain_seconds is not None and cost.drain_seconds > DRAIN_BUDGET_SECONDS:
        result.status = "failed"
        result.reason = "; ".join(filter(None, [
            result.reason, f"documents queue drained in {cost.drain_seconds:.0f} s > "
                           f"{DRAIN_BUDGET_SECONDS} s"]))


def _env_debug_off() -> dict[str, str]:
    import os

    return dict(os.environ, DEBUG="false")


def _upload_path() -> str | None:
    for name in ("portal_documents:upload", "portal:document_upload", "portal:upload"):
        try:
            path = reverse(name, urlconf=settings.ROOT_URLCONF, kwargs={"client_id": 987654321})
        except NoReverseMatch:
            continue
        return path.replace("987654321", "{client_id}")
    return None
