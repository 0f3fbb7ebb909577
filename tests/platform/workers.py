"""Real Celery worker processes (`celery -A advisoros worker`, prefork, as `make run` and
production start them) on a Redis server of their own, for the broker fault tests."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery

from advisoros import embedded
from advisoros.env import celery_broker_url_for

ROOT = Path(__file__).resolve().parents[2]
CELERY_BIN = str(Path(sys.executable).with_name("celery"))


@dataclass
class BrokerWorld:
    """A throwaway embedded Redis, a client app on it, and the workers started on it."""

    data_dir: Path
    visibility_timeout: int = 60
    workers: list[tuple[subprocess.Popen, Path]] = field(default_factory=list)
    apps: list[Celery] = field(default_factory=list)

    @property
    def redis_url(self) -> str:
        return f"unix://{embedded.redis_socket(self.data_dir)}"

    def client_app(self) -> Celery:
        socket_path = embedded.redis_socket(self.data_dir)
        app = Celery("broker-fault-test",
                     broker=celery_broker_url_for(f"unix://{socket_path}", 2),
                     backend=celery_broker_url_for(f"unix://{socket_path}", 3))
        app.conf.broker_transport_options = {"visibility_timeout": self.visibility_timeout}
        self.apps.append(app)
        return app

    def start_worker(self, name: str) -> tuple[subprocess.Popen, Path]:
        log = self.data_dir / f"{name}.log"
        env = {**os.environ, "REDIS_URL": self.redis_url, "REDIS_DB_BASE": "0",
               "ADVISOROS_ENV": "test", "LOG_FORMAT": "text",
               "ADVISOROS_DB_NAME": os.environ.get("ADVISOROS_DB_NAME",
                                                   "advisoros_test_source"),
               "CELERY_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
               "DJANGO_SETTINGS_MODULE": "advisoros.settings"}
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [CELERY_BIN, "-A", "advisoros", "worker", "--loglevel", "INFO",
                 "--concurrency", "1", "-n", f"{name}@%h", "--without-mingle",
                 "--without-gossip"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.workers.append((proc, log))
        assert wait_for(lambda: "ready." in log.read_text(errors="replace"), 90), \
            log.read_text(errors="replace")[-3000:]
        return proc, log

    def stop(self) -> None:
        for app in self.apps:  # their result listeners would retry a Redis that is gone
            with suppress(Exception):
                app.backend.result_consumer.stop()
            app.close()
        for proc, _ in self.workers:
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        embedded.stop_redis(self.data_dir)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def new_broker_world(visibility_timeout: int = 60) -> BrokerWorld:
    data_dir = Path(tempfile.mkdtemp(prefix="advisoros-broker-"))
    embedded.ensure_redis(data_dir)
    return BrokerWorld(data_dir=data_dir, visibility_timeout=visibility_timeout)


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


def received_count(log: Path, task_id: str) -> int:
    return len(re.findall(rf"\[{re.escape(task_id)}\] received", log.read_text(errors="replace")))
