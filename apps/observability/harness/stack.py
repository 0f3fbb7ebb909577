"""The local serving stack for load tests: the web server (granian by default, gunicorn
for comparison) on 127.0.0.1 plus a Celery worker, on the same (embedded or configured)
PostgreSQL and Redis as the calling process."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from advisoros import queues

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class ServingConfig:
    # "granian" (deploy/granian.env: what production runs) or "gunicorn" with
    # `worker_class` "sync" or "gthread" (deploy/gunicorn.conf.py).
    server: str = "granian"
    worker_class: str = "sync"
    workers: int = 2
    threads: int = 1
    conn_max_age: int = 600

    @property
    def label(self) -> str:
        persistent = "persistent" if self.conn_max_age else "per-request"
        if self.server == "granian":
            kind = f"granian {self.workers} workers x{self.threads} thread" \
                f"{'s' if self.threads > 1 else ''}"
        else:
            threads = f" x{self.threads} threads" if self.worker_class == "gthread" else ""
            kind = f"gunicorn {self.worker_class} {self.workers} workers{threads}"
        return f"{kind}, {persistent} DB connections"

    def web_argv(self, port: int) -> list[str]:
        if self.server == "granian":
            # The rest of the settings come from deploy/granian.env, as in production.
            return [str(BIN / "granian"), "advisoros.wsgi:application",
                    "--host", "127.0.0.1", "--port", str(port),
                    "--workers", str(self.workers), "--blocking-threads", str(self.threads)]
        return [str(BIN / "gunicorn"), "advisoros.wsgi:application",
                "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                "--worker-class", self.worker_class, "--threads", str(self.threads)]


def free_port(preferred: int) -> int:
    """`preferred` when nothing listens there, else a free port. granian binds with
    SO_REUSEPORT, so a server left running on the same port (another checkout's) would
    silently share the load generator's connections with ours: check with a plain bind."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free TCP port on 127.0.0.1")


def stack_env(config: ServingConfig) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "advisoros.settings",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": str(config.conn_max_age),
        # Throttles protect production from one noisy client; the load generator is one
        # client on purpose.
        "THROTTLE_ANON": "10000000/minute",
        "THROTTLE_USER": "10000000/minute",
        "THROTTLE_API_KEY": "10000000/minute",
        "GUNICORN_ACCESS_LOG": "",
        "OBSERVABILITY_ACCESS_LOG": "false",
    })
    env.update(granian_env())
    return env


def granian_env() -> dict[str, str]:
    """deploy/granian.env (KEY=value lines): granian's production settings."""
    values = {}
    for line in (ROOT / "deploy" / "granian.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


class Stack:
    def __init__(self, config: ServingConfig, port: int, log_dir: Path) -> None:
        self.config = config
        self.port = port
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        env = stack_env(self.config)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        cfg = self.config
        self._spawn("web", cfg.web_argv(self.port), env)
        # Both queues, as in production: uploads made by the scenarios are processed too.
        self._spawn("worker", [str(BIN / "celery"), "-A", "advisoros", "worker",
                               "--concurrency", "1", "--loglevel", "WARNING",
                               "--queues", queues.GENERAL_WORKER_QUEUES], env)
        if not self._wait_healthy(60):
            self.stop()
            raise RuntimeError(f"{cfg.server} did not answer /health/; see {self.log_dir}")

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log,
                                            start_new_session=True)

    def _wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/health/",
                                         headers={"Host": "localhost"})
        while time.monotonic() < deadline:
            if self.procs["web"].poll() is not None:
                return False
            try:
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.3)
        return False

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_for_background_work(timeout: float, say, interval: float = 1.0) -> float:
    """Wait until the Celery queues have been empty for three checks in a row (the worker
    has taken the last task and, a few seconds later, finished it), so one scenario's
    uploads are not still being processed under the next scenario. Returns the seconds
    waited; gives up (and says so) after `timeout`."""
    from apps.observability.selectors import queue_depths

    started = time.monotonic()
    quiet_checks, last_said = 0, 0.0
    while quiet_checks < 3:
        waiting = sum(queue_depths().values())
        quiet_checks = quiet_checks + 1 if waiting == 0 else 0
        waited = time.monotonic() - started
        if waited > timeout:
            say(f"       background work still queued after {timeout:.0f} s; going on")
            break
        if waiting and waited - last_said >= 10:
            say(f"       waiting for {waiting} queued background tasks "
                f"({waited:.0f} s so far)")
            last_said = waited
        time.sleep(interval)
    return time.monotonic() - started
