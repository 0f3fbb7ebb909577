"""`make run`: the whole product on one machine, one command, one Ctrl-C.

Starts (when no DATABASE_URL / REDIS_URL are set) the embedded PostgreSQL and Redis,
migrates every schema, seeds the demo, then runs the web server, a Celery worker and
Celery beat as child processes. The web server is the production one (granian through
deploy/web.sh and deploy/granian.env): a fixed number of processes and threads, so a long
day of requests holds a fixed number of database connections (Django's runserver starts a
thread, and so a persistent connection, per browser connection, until Postgres refuses
more). A child that dies is started again (with a growing pause if it keeps dying) while
the others keep serving; Ctrl-C stops every child, and the embedded servers this run
started, leaving nothing behind.

Run as `python -m advisoros.devstack [--port 8000] [--host 127.0.0.1]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from advisoros import queues

ROOT = Path(__file__).resolve().parent.parent


def _embedded_servers_running(data_dir: Path) -> tuple[bool, bool]:
    from advisoros import embedded

    embedded._quiet_runtime_dir(data_dir)
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir / "pg")
    pg_up = info is not None and info.is_running()
    redis_up = embedded._redis_answers(embedded.redis_socket(data_dir))
    return pg_up, redis_up


def _manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True,
                            text=True, stdout=subprocess.PIPE if capture else None)
    return result.stdout or ""


def _wait_for_web(url: str, timeout: float = 60) -> bool:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return True
        except OSError:
            time.sleep(0.3)
    return False


def web_server_command(host: str, port: str | int) -> tuple[list[str], dict[str, str]]:
    """How the development stack serves HTTP: deploy/web.sh (granian with
    deploy/granian.env, as in production) on `host:port`. Returns argv and environment."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "WEB_HOST": str(host), "PORT": str(port),
           # web.sh runs `granian` from PATH: this virtualenv's, even when not activated.
           "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           # One JSON access line per request is noise in a terminal.
           "OBSERVABILITY_ACCESS_LOG": os.environ.get("OBSERVABILITY_ACCESS_LOG", "false")}
    return ["sh", str(ROOT / "deploy" / "web.sh")], env


def use_port_in_links(port: str | int, environ=os.environ) -> None:
    """Links in emails and invitations name the port the stack serves on: with
    `PORT=8123 make run` an invitation must point at :8123, not the default :8000.
    An explicit SITE_PORT (a proxy in front on another port) still wins."""
    environ.setdefault("SITE_PORT", str(port))


def _spawn(name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    print(f"  starting {name}: {' '.join(argv)}", flush=True)
    # Own process group: Ctrl-C reaches us once, and we stop each child's whole tree.
    return subprocess.Popen(argv, cwd=ROOT, start_new_session=True, env=env)


@dataclass
class Supervised:
    """A child process that is started again when it dies."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = None
    restarts: int = 0
    restart_at: float | None = None
    started_at: float = 0.0

    def start(self) -> None:
        self.proc = _spawn(self.name, self.argv, self.env)
        self.started_at = time.monotonic()
        self.restart_at = None


# A child that ran this long before dying is "healthy again": its pause starts over.
STABLE_SECONDS = 60.0
MAX_PAUSE_SECONDS = 30.0


def supervise_once(children: list[Supervised], now: float | None = None) -> list[str]:
    """One supervision round: notice dead children, schedule their restart with a pause
    that doubles while they keep dying (1, 2, 4 ... 30 s), restart those whose pause is
    over. Returns what happened, for the terminal."""
    now = time.monotonic() if now is None else now
    events: list[str] = []
    for child in children:
        proc = child.proc
        if proc is not None and proc.poll() is not None and child.restart_at is None:
            quick = now - child.started_at < STABLE_SECONDS
            child.restarts = child.restarts + 1 if quick else 1
            pause = min(MAX_PAUSE_SECONDS, 2.0 ** (child.restarts - 1))
            child.restart_at = now + pause
            events.append(f"{child.name} exited with status {proc.returncode}; "
                          f"starting it again in {pause:.0f} s (the rest keeps running)")
        if child.restart_at is not None and now >= child.restart_at:
            child.start()
            events.append(f"{child.name} started again")
    return events


def _stop(children: list[Supervised]) -> None:
    running = {child.name: child.proc for child in children if child.proc is not None}
    for proc in running.values():
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, proc in running.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"  {name} did not stop in time; killing it", flush=True)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _fake_quickbooks_port() -> int | None:
    """The port of the fake QuickBooks server to start, or None when QUICKBOOKS_FAKE_URL
    points elsewhere (or is empty: real QuickBooks)."""
    from urllib.parse import urlsplit

    url = urlsplit(os.environ.get("QUICKBOOKS_FAKE_URL", "http://127.0.0.1:8765"))
    if url.hostname not in ("127.0.0.1", "localhost") or not url.port:
        return None
    return url.port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisoros.settings")
    use_port_in_links(args.port)  # before any child (seed, web, worker) reads settings
    data_dir = Path(os.environ.get("ADVISOROS_DATA_DIR", ROOT / ".data")).resolve()
    embedded_db = not os.environ.get("DATABASE_URL")
    embedded_redis = not os.environ.get("REDIS_URL")
    pg_was_up, redis_was_up = _embedded_servers_running(data_dir)

    print("AdvisorOS: preparing the database", flush=True)
    _manage("migrate_schemas", "-v", "0")  # public schema, then every firm's
    sign_ins = _manage("seed_demo", "--port", str(args.port), capture=True)
    print(sign_ins, flush=True)

    python_bin = sys.executable
    celery_bin = str(Path(python_bin).with_name("celery"))
    stopping = False

    def request_stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    web_argv, web_env = web_server_command(args.host, args.port)
    children = [
        Supervised("web", web_argv, web_env),
        # -Q: every queue but the large-scan lane (advisoros/queues.py).
        Supervised("worker", [celery_bin, "-A", "advisoros", "worker", "--loglevel", "INFO",
                              "--concurrency", "2", "-Q", queues.GENERAL_WORKER_QUEUES]),
        # Very large scans have their own lane and one process, so they never take the
        # processes that normal documents need (apps/documents/queue.py).
        Supervised("worker-large", [celery_bin, "-A", "advisoros", "worker", "--loglevel",
                                    "INFO", "--concurrency", "1", "-Q", "documents-large",
                                    "-n", "large@%h"]),
        Supervised("beat", [celery_bin, "-A", "advisoros", "beat", "--loglevel", "INFO",
                            "--schedule", str(data_dir / "celerybeat-schedule")]),
    ]
    quickbooks_port = _fake_quickbooks_port()
    if quickbooks_port:
        # The fake QuickBooks Online (apps/integrations/fake_quickbooks): "Connect
        # QuickBooks" on a client's Books tab works end to end with no internet.
        children.append(Supervised("quickbooks", [
            python_bin, "manage.py", "fake_quickbooks", "--port", str(quickbooks_port),
            "--webhook-url", f"http://localhost:{args.port}/integrations/quickbooks/webhook/"]))
    try:
        for child in children:
            child.start()
        # Print the summary after the servers' start-up logs, so it is the last thing seen.
        _wait_for_web(f"http://{args.host}:{args.port}/health/")
        time.sleep(1.5)
        print(sign_ins, flush=True)
        print(
            f"\nAdvisorOS is running.\n"
            f"  Public site:  http://localhost:{args.port}/\n"
            f"  Firms:        http://johnson-associates.localhost:{args.port}/ "
            f"(and sarah-chen, regional-cpa-network)\n"
            f"  Platform admin: http://localhost:{args.port}/admin/\n"
            f"  Health:       http://localhost:{args.port}/health/\n"
            + (f"  QuickBooks:   a fake QuickBooks Online at http://127.0.0.1:{quickbooks_port}/"
               f" (Books tab of any client -> Connect QuickBooks)\n" if quickbooks_port else "")
            + "Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while not stopping:
            for event in supervise_once(children):
                print(f"\n{event}", flush=True)
            time.sleep(0.5)
    finally:
        print("\nStopping web, worker and beat...", flush=True)
        _stop(children)
        from advisoros import embedded

        if embedded_redis and not redis_was_up:
            embedded.stop_redis(data_dir)
            print("  stopped the embedded Redis", flush=True)
        if embedded_db and not pg_was_up:
            embedded.stop_postgres(data_dir)
            print("  stopped the embedded PostgreSQL", flush=True)
        print("Everything stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
