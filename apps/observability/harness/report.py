"""The bench report: machine, commit, every scenario and every bench_* command, as JSON
and as markdown; the markdown also replaces the report block of docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from apps.observability.harness.stack import ROOT

BLOCK_START = "<!-- bench-report:start -->"
BLOCK_END = "<!-- bench-report:end -->"
_TIMING = re.compile(r"p50=\s*[\d.]+ ms")


def machine_info() -> dict:
    from django.db import connection

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory_gb = round(kb / 1024 / 1024, 1)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gb": memory_gb,
            "python": platform.python_version(), "platform": platform.platform(),
            "postgres": pg_version, "loadavg_at_start": _loadavg()}


def _loadavg() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else ""


def commit_info() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True
                              ).stdout.strip()
    return {"commit": git("rev-parse", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def bench_summary(output: str) -> list[str]:
    """The lines of a bench command's output worth keeping: timings and ratios."""
    return [line.rstrip() for line in output.splitlines()
            if _TIMING.search(line) or "ratio" in line.lower() or "budget" in line.lower()]


CPU_PARTS = ("web", "celery", "postgres", "redis", "load generator")


def _num(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def cost_line(cost) -> str:
    """One line of what a scenario cost the stack (a StackCost)."""
    cpu = ", ".join(f"{part} {_num(cost.cpu_ms_per_request.get(part), 2)}"
                    for part in CPU_PARTS)
    return (f"{_num(cost.queries_per_request, 2)} queries/request, cache hits "
            f"{_num(cost.cache_hit_pct)} %, CPU ms/request: {cpu}; busiest web worker "
            f"{_num((cost.busiest_worker_share or 0) * 100, 0)} % of web CPU; documents queued "
            f"at end {cost.documents_queued_at_end}, drained in {_num(cost.drain_seconds)} s")


def _cost_tables(scenarios: list[dict]) -> list[str]:
    measured = [r for r in scenarios if r.get("cost")]
    if not measured:
        return []
    lines = ["", "### What each request cost the stack", "",
             "CPU milliseconds per request, summed over each process tree from /proc "
             "(background work counted until the queues drained); queries and cache hits "
             "from the web workers' request metrics.", "",
             "| scenario | queries/req | cache hit % | " + " | ".join(
                 f"{part} CPU ms" for part in CPU_PARTS)
             + " | busiest web worker | documents queued at end | drained in s |",
             "|---|---|---|" + "---|" * len(CPU_PARTS) + "---|---|---|"]
    for r in measured:
        cost = r["cost"]
        share = cost.get("busiest_worker_share")
        lines.append(
            f"| {r['name']} | {_num(cost['queries_per_request'], 2)} | "
            f"{_num(cost['cache_hit_pct'])} | "
            + " | ".join(_num(cost["cpu_ms_per_request"].get(part), 2) for part in CPU_PARTS)
            + f" | {_num(share * 100 if share is not None else None, 0)} % | "
            f"{cost['documents_queued_at_end']} | {_num(cost['drain_seconds'])} |")
    for r in measured:
        routes = r["cost"].get("routes") or []
        if not routes:
            continue
        lines += ["", f"Server-side routes of {r['name']}:", "",
                  "| route | requests | queries/req | cache hit % | mean ms |",
                  "|---|---|---|---|---|"]
        lines += [f"| {row['route']} | {row['requests']} | {row['queries_per_request']} | "
                  f"{_num(row['cache_hit_pct'])} | {_num(row['mean_ms'])} |"
                  for row in routes[:12]]
    return lines


def to_markdown(report: dict) -> str:
    m = report["machine"]
    dirty = " (uncommitted changes)" if report["commit"]["dirty"] else ""
    lines = [
        f"Generated {report['generated_at']} by `{report['command']}`, commit "
        f"`{report['commit']['commit'][:12]}`{dirty}.",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB, Python "
        f"{m['python']}, PostgreSQL {m['postgres']}; load average at start "
        f"{m['loadavg_at_start']}, at end {report.get('loadavg_at_end', '')}.",
        "",
        "### Load scenarios",
        "",
        "| scenario | serving | status | requests | req/s | p50 ms | p95 ms | p99 ms | errors % "
        "| thresholds | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["scenarios"]:
        limits = r.get("thresholds") or {}
        limit_text = (f"p95 ≤ {limits.get('p95_ms', 0):g}, errors ≤ "
                      f"{limits.get('max_error_pct', 0):g} %"
                      + (f", ≥ {limits['min_rps']:g} req/s" if limits.get("min_rps") else "")
                      ) if limits else ""
        if r["status"] == "skipped":
            lines.append(f"| {r['name']} | | skipped | | | | | | | | {r['reason']} |")
            continue
        label = f"{r['name']} (cache-only)" if r.get("cache_only") else r["name"]
        lines.append(
            f"| {label} | {r['serving']} | {r['status']} | {r['requests']} | {r['rps']:.0f} "
            f"| {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['error_pct']:.2f} "
            f"| {limit_text} | {r['reason']} |")
    lines += _cost_tables(report["scenarios"])
    if report.get("benches"):
        lines += ["", "### Bench commands", ""]
        for bench in report["benches"]:
            lines.append(f"`manage.py {bench['command']}` ({bench['status']}, "
                         f"{bench['seconds']:.0f} s)")
            lines.append("")
            lines.append("```")
            lines.extend(bench["summary"] or ["(no timing lines)"])
            lines.append("```")
            lines.append("")
    if report.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {note}" for note in report["notes"]]
    return "\n".join(lines).rstrip() + "\n"


def write_reports(report: dict, out_dir: Path, benchmarks_md: Path | None,
                  stem: str = "bench-report") -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stem}.json"
    md_path = out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    markdown = to_markdown(report)
    md_path.write_text("# Latest bench report\n\n" + markdown)
    if benchmarks_md is not None and benchmarks_md.exists():
        text = benchmarks_md.read_text()
        if BLOCK_START in text and BLOCK_END in text:
            head, rest = text.split(BLOCK_START, 1)
            _, tail = rest.split(BLOCK_END, 1)
            benchmarks_md.write_text(f"{head}{BLOCK_START}\n{markdown}{BLOCK_END}{tail}")
    return json_path, md_path


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
