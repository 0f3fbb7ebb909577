"""What the harness reports beside latency: CPU per process tree from /proc (children that
exit still count), and the cost table of the report."""

from __future__ import annotations

import os
import subprocess
import sys

from apps.observability.harness.cpu import CpuMeter, tree_cpu_seconds
from apps.observability.harness.report import to_markdown

BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass\n"


def test_the_cpu_of_a_process_tree_counts_children_that_already_exited():
    # A parent that runs a CPU-burning child to completion, then waits on stdin.
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys\n"
         f"subprocess.run([sys.executable, '-c', {BURN.format(s=0.4)!r}])\n"
         "print('done', flush=True)\nsys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        meter = CpuMeter({"tree": parent.pid})
        meter.start()
        assert parent.stdout.readline().strip() == "done"
        meter.stop()
        spent = meter.seconds["tree"]
    finally:
        parent.stdin.close()
        parent.wait(timeout=10)

    assert 0.35 <= spent <= 2.0
    assert meter.per_request_ms(100)["tree"] == round(spent * 1000 / 100, 2)


def test_a_tree_counts_its_live_children_and_an_unknown_root_counts_nothing():
    child = subprocess.Popen([sys.executable, "-c", BURN.format(s=0.3)
                              + "import sys\nprint('ok', flush=True)\nsys.stdin.read()\n"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ok"
        assert tree_cpu_seconds(os.getpid()) >= tree_cpu_seconds(child.pid) >= 0.3
        assert tree_cpu_seconds(10**9) == 0.0
    finally:
        child.stdin.close()
        child.wait(timeout=10)


def test_the_report_has_the_cost_table_and_labels_cache_only_scenarios():
    cost = {"server_requests": 1000, "queries_per_request": 2.5, "cache_hit_pct": 61.0,
            "cpu_ms_per_request": {"web": 4.2, "celery": 1.5, "postgres": 0.8, "redis": 0.1,
                                   "load generator": 0.9},
            "busiest_worker_share": 0.52, "documents_queued_at_end": 12, "drain_seconds": 3.5,
            "routes": [{"route": "billing_api:invoice_list", "requests": 300,
                        "queries_per_request": 5.0, "cache_hit_pct": 90.0, "mean_ms": 12.0}]}
    base = {"status": "passed", "serving": "granian", "requests": 1000, "rps": 250.0,
            "p50_ms": 20, "p95_ms": 90, "p99_ms": 130, "error_pct": 0,
            "thresholds": {"p95_ms": 150, "max_error_pct": 0, "min_rps": 200}, "reason": ""}
    report = {
        "generated_at": "2026-01-01T00:00:00+00:00", "command": "manage.py bench_all",
        "machine": {"cpus": 2, "cpu_model": "Test CPU", "memory_gb": 24, "python": "3.11",
                    "postgres": "16.2", "loadavg_at_start": "3.5 3.0 2.0"},
        "commit": {"commit": "abcdef1234567890", "dirty": False}, "loadavg_at_end": "4 3 2",
        "scenarios": [{**base, "name": "seed004_mix", "cost": cost},
                      {**base, "name": "mixed_read", "cache_only": True}],
        "benches": [], "notes": []}

    markdown = to_markdown(report)

    assert "| seed004_mix | 2.50 | 61.0 | 4.20 | 1.50 | 0.80 | 0.10 | 0.90 | 52 % | 12 | 3.5 |" \
        in markdown
    assert "| mixed_read (cache-only) | granian | passed |" in markdown
    assert "| billing_api:invoice_list | 300 | 5.0 | 90.0 | 12.0 |" in markdown
    assert "load average at start 3.5 3.0 2.0" in markdown


def test_a_port_another_server_listens_on_is_not_shared():
    """granian binds with SO_REUSEPORT: started on a port another checkout's server was
    left on, it would silently share the load generator's connections with it (a run
    measured another stack's answers). free_port picks another port then."""
    import socket

    from apps.observability.harness.stack import free_port

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]

        chosen = free_port(taken)

    assert chosen != taken and chosen > 0
    assert free_port(chosen) == chosen  # nothing listens there: kept
