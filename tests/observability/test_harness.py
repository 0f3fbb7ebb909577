"""The load harness: scenarios name real user classes, routes decide what runs, and the
report block of docs/benchmarks.md is replaced in place."""

import ast
from pathlib import Path

from apps.observability.harness.report import BLOCK_END, BLOCK_START, to_markdown, write_reports
from apps.observability.harness.scenarios import (
    FIRM,
    PUBLIC,
    SCENARIOS,
    Scenario,
    Thresholds,
    skip_reason,
)

LOCUSTFILE = Path(__file__).resolve().parents[2] / "loadtest" / "locustfile.py"


def test_every_scenario_names_a_user_class_of_the_locustfile():
    tree = ast.parse(LOCUSTFILE.read_text())
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}

    assert {s.user_class for s in SCENARIOS} <= classes
    assert {"marketplace_browse", "client_dashboard", "advisor_matching_burst",
            "document_upload", "seed004_mix", "seed004_mix_paced",
            "mixed_read"} == {s.name for s in SCENARIOS}


def test_a_scenario_whose_route_is_missing_is_skipped_with_the_reason():
    scenario = Scenario("future", "X", "", ((FIRM, ("nowhere:upload",), {"client_id": 1}),),
                        Thresholds(p95_ms=100))

    assert skip_reason(scenario, {}) == "no firm route named nowhere:upload yet"


def test_a_scenario_whose_routes_exist_but_data_does_not_says_so():
    scenario = Scenario("health", "X", "", ((PUBLIC, ("health",), {}),),
                        Thresholds(p95_ms=100), needs_fixtures=("advisor_ids",))

    assert skip_reason(scenario, {"advisor_ids": []}) == \
        "no advisor ids in the database (seed data missing)"
    assert skip_reason(scenario, {"advisor_ids": [1]}) is None


def _report() -> dict:
    return {
        "generated_at": "2026-01-01T00:00:00+00:00", "command": "manage.py bench_all",
        "machine": {"cpus": 2, "cpu_model": "Test CPU", "memory_gb": 24, "python": "3.11",
                    "postgres": "16.2", "loadavg_at_start": "0.1 0.1 0.1"},
        "commit": {"commit": "abcdef1234567890", "dirty": False}, "loadavg_at_end": "1 1 1",
        "scenarios": [
            {"name": "mixed_read", "status": "failed", "serving": "gthread", "requests": 900,
             "rps": 300.4, "p50_ms": 40, "p95_ms": 160, "p99_ms": 200, "error_pct": 0,
             "thresholds": {"p95_ms": 150, "max_error_pct": 0, "min_rps": 1000},
             "reason": "p95 160 ms > 150 ms"},
            {"name": "document_upload", "status": "skipped", "reason": "no route yet"}],
        "benches": [{"command": "bench_x", "status": "ok", "seconds": 3,
                     "summary": ["a  n=10 p50=1.00 ms", "ratio naive/optimised: 3.0x"]}],
        "notes": [],
    }


def test_the_markdown_report_has_every_scenario_and_bench():
    markdown = to_markdown(_report())

    assert "| mixed_read | gthread | failed | 900 | 300 | 40 | 160 | 200 | 0.00 |" in markdown
    assert "| document_upload | | skipped |" in markdown
    assert "ratio naive/optimised: 3.0x" in markdown
    assert "commit `abcdef123456`" in markdown


def test_the_report_block_of_benchmarks_md_is_replaced_in_place(tmp_path):
    benchmarks = tmp_path / "benchmarks.md"
    benchmarks.write_text(
        f"# Benchmarks\n\nmine\n{BLOCK_START}\nstale-numbers\n{BLOCK_END}\n\n## Others\n")

    json_path, md_path = write_reports(_report(), tmp_path / "out", benchmarks)

    text = benchmarks.read_text()
    assert "stale-numbers" not in text
    assert text.startswith("# Benchmarks\n\nmine\n")
    assert text.endswith("## Others\n")
    assert "mixed_read" in text
    assert json_path.exists() and md_path.exists()


def test_the_stack_serves_with_granian_from_the_production_settings():
    from apps.observability.harness.stack import ServingConfig, granian_env, stack_env

    config = ServingConfig()
    argv = config.web_argv(8765)
    env = stack_env(config)

    assert argv[0].endswith("granian") and "advisoros.wsgi:application" in argv
    assert argv[argv.index("--workers") + 1] == "2"
    assert granian_env()["GRANIAN_INTERFACE"] == "wsgi"
    assert env["GRANIAN_RUNTIME_MODE"] == granian_env()["GRANIAN_RUNTIME_MODE"]
    assert config.label == "granian 2 workers x1 thread, persistent DB connections"
    gunicorn = ServingConfig("gunicorn", "gthread", workers=3, threads=4, conn_max_age=0)
    assert gunicorn.web_argv(8765)[0].endswith("gunicorn")
    assert gunicorn.label == "gunicorn gthread 3 workers x4 threads, per-request DB connections"


def test_scenarios_start_once_queued_background_work_is_done(settings):
    from advisoros.celery import app
    from apps.observability.harness.stack import wait_for_background_work

    said = []
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.flushdb()  # what other tests queued without a worker to take it
        assert wait_for_background_work(5, said.append, interval=0.05) < 1

        client.lpush("documents", b"{}")
        try:
            waited = wait_for_background_work(0.5, said.append, interval=0.05)
        finally:
            client.delete("documents")

    assert 0.5 <= waited < 2
    assert said and "still queued" in said[-1]
