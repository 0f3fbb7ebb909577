"""`make run` survives a long day: its web server (the production one, granian with
deploy/granian.env) holds a fixed number of database connections however many requests
come, and a child process that dies is started again while the others keep running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import psycopg
import pytest
from django.conf import settings

from advisoros.devstack import Supervised, supervise_once, use_port_in_links, web_server_command

# At least 10,000 (where runserver failed after about 8,000); more for a longer day.
REQUESTS = max(10_000, int(os.environ.get("DEVSTACK_BUDGET_REQUESTS", "10000")))
APP_NAME = "advisoros-devstack-budget"
# deploy/granian.env: 2 worker processes x 1 blocking thread, one persistent connection
# each; a little room for a health check's reconnect.
CONNECTION_BUDGET = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _connections(params: dict) -> int:
    with psycopg.connect(**params, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                            [APP_NAME]).fetchone()[0]


def _get(url: str) -> int:
    # A new TCP connection per request, as many browser tabs and reloads make: what made
    # runserver start one thread, and one database connection, after another.
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def dev_web_server():
    port = _free_port()
    argv, env = web_server_command("127.0.0.1", port)
    env.update({"PGAPPNAME": APP_NAME, "ADVISOROS_ENV": "dev",
                "DJANGO_SETTINGS_MODULE": "advisoros.settings",
                "ADVISOROS_DB_NAME": os.environ.get("ADVISOROS_DB_NAME",
                                                    "advisoros_test_source"),
                "REDIS_DB_BASE": str(settings.REDIS_DB_BASE), "GRANIAN_LOG_LEVEL": "error"})
    proc = subprocess.Popen(argv, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/health/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with suppress(OSError):
            if _get(url) in (200, 503):
                break
        time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"the dev web server did not start: {proc.stderr.read()[-2000:]!r}")
    from django.db import connection

    params = {key: value for key, value in connection.get_connection_params().items()
              if key in ("host", "port", "user", "password")}
    yield url, {**params, "dbname": "postgres"}
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.mark.slow
def test_ten_thousand_requests_hold_a_fixed_number_of_database_connections(dev_web_server):
    url, dsn = dev_web_server
    peak = 0
    statuses: dict[int, int] = {}
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(0, REQUESTS, 1000):
            for status in pool.map(_get, [url] * 1000):
                statuses[status] = statuses.get(status, 0) + 1
            peak = max(peak, _connections(dsn))

    assert statuses == {200: REQUESTS}
    assert 1 <= peak <= CONNECTION_BUDGET, peak
    print(f"\n{REQUESTS} requests, peak {peak} database connections")


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_dying_child_is_started_again_and_the_others_keep_running():
    dies = Supervised("worker", _python("import sys; sys.exit(3)"))
    lives = Supervised("web", _python("import time; time.sleep(120)"))
    for child in (dies, lives):
        child.start()
    try:
        dies.proc.wait(timeout=30)
        web_pid = lives.proc.pid

        first = supervise_once([dies, lives], now=dies.started_at + 1)
        assert first == ["worker exited with status 3; starting it again in 1 s "
                         "(the rest keeps running)"]
        assert supervise_once([dies, lives], now=dies.started_at + 1.5) == []
        second = supervise_once([dies, lives], now=dies.started_at + 2.1)

        assert second == ["worker started again"]
        assert dies.proc.poll() is None or dies.proc.returncode == 3
        assert lives.proc.pid == web_pid and lives.proc.poll() is None
        # Dying again at once doubles the pause.
        dies.proc.wait(timeout=30)
        third = supervise_once([dies, lives], now=dies.started_at + 1)
        assert third == ["worker exited with status 3; starting it again in 2 s "
                         "(the rest keeps running)"]
    finally:
        for child in (dies, lives):
            if child.proc is not None and child.proc.poll() is None:
                child.proc.kill()
                child.proc.wait()


def test_links_name_the_port_the_stack_serves_on_unless_a_site_port_is_set(monkeypatch):
    behind_proxy = {"SITE_PORT": "443"}
    use_port_in_links(8123, behind_proxy)
    assert behind_proxy["SITE_PORT"] == "443"
    monkeypatch.delenv("SITE_PORT", raising=False)
    use_port_in_links(8123)
    # The children inherit it, so the web server's settings build links on that port.
    _argv, env = web_server_command("127.0.0.1", 8123)
    assert env["SITE_PORT"] == "8123"
