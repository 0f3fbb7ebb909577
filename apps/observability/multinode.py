"""The multi-node run: the data tier of docs/scaling.md on this machine, under load, with
faults.

Starts a streaming replica of the embedded primary, PgBouncer in front of the primary, a
Redis master + replica + three sentinels, two web instances (granian, the production
server) and a Celery worker, all wired through the environment exactly as production
would be (DATABASE_URL through PgBouncer, DATABASE_REPLICA_URLS, REDIS_SENTINELS). Then it
runs the seed 004 mix (40 % dashboard reads, 30 % invoice creations, 20 % small uploads,
10 % audit reads) with many API keys spread over both web instances, kills the replica
and later the Redis master, and reports throughput, latency and errors per phase, and
whether anything written was lost.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from advisoros import embedded, queues
from advisoros.embedded_pgbouncer import pgbouncer_start
from advisoros.embedded_replica import replica_create
from advisoros.embedded_sentinel import sentinel_topology_start, wait_for_failover

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MIX = (("dashboard", 40), ("invoice", 30), ("upload", 20), ("audit", 10))


@dataclass
class Sample:
    at: float
    kind: str
    status: int  # 0: no answer (connection error, timeout)
    ms: float


@dataclass
class LoadFixtures:
    host: str
    keys: list[str]
    client_ids: list[int]
    run_tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])


def load_fixtures(keys: int) -> LoadFixtures:
    from apps.accounts.models import User
    from apps.accounts.roles import ROLE_PERMISSIONS, Role
    from apps.accounts.services import membership_create, user_create
    from apps.firms.models import Firm
    from apps.firms.selectors import firm_host
    from apps.portal.models import Client
    from apps.security.api_keys import api_key_create

    firm = Firm.objects.exclude(schema_name="public").filter(schema_ready=True) \
        .order_by("pk").first()
    if firm is None:
        raise RuntimeError("no firm: run `manage.py seed_demo` first")
    plaintexts = []
    with schema_context(firm.schema_name):
        client_ids = list(Client.objects.order_by("pk").values_list("pk", flat=True)[:1000])
        for number in range(keys):
            email = f"multinode-{number}@{firm.slug}.test"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(email=email, password=None, full_name=f"Load {number}",
                                   validate=False)
                membership_create(user=user, firm=firm, role=Role.ADMIN)
            plaintexts.append(api_key_create(
                firm=firm, created_by=user, name=f"multinode {number}",
                scopes=sorted(ROLE_PERMISSIONS[Role.ADMIN]), expires_in_days=1).plaintext)
    connection.set_schema_to_public()
    return LoadFixtures(host=firm_host(firm.slug), keys=plaintexts, client_ids=client_ids)


def _pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


class LoadGenerator:
    def __init__(self, fixtures: LoadFixtures, ports: list[int], users: int) -> None:
        self.fixtures = fixtures
        self.ports = ports
        self.users = users
        self.samples: list[Sample] = []
        self.created = {"invoice": 0, "upload": 0}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.started = 0.0

    def _request(self, http: httpx.Client, kind: str, rng: random.Random):
        client_id = rng.choice(self.fixtures.client_ids)
        if kind == "dashboard":
            return http.get(f"/api/v1/clients/{client_id}/dashboard/")
        if kind == "audit":
            return http.get("/api/v1/audit-events/", params={"limit": 20})
        if kind == "invoice":
            return http.post("/api/v1/billing/invoices/", json={
                "client": client_id, "issue_date": date.today().isoformat(),
                "currency": "USD", "lines": [{
                    "description": f"Advisory {self.fixtures.run_tag}", "quantity": "1",
                    "unit_price": "125.00", "tax_rate": "0"}]})
        name = f"statement-{self.fixtures.run_tag}-{uuid.uuid4().hex[:8]}.pdf"
        return http.post("/api/v1/documents/", data={"client": str(client_id)},
                         files={"files": (name, _pdf(name), "application/pdf")})

    def _user(self, number: int) -> None:
        rng = random.Random(number)
        kinds = [kind for kind, weight in MIX for _ in range(weight)]
        port = self.ports[number % len(self.ports)]
        key = self.fixtures.keys[number % len(self.fixtures.keys)]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                          headers={"Host": self.fixtures.host,
                                   "Authorization": f"Api-Key {key}"}) as http:
            while not self._stop.is_set():
                kind = rng.choice(kinds)
                began = time.perf_counter()
                try:
                    status = self._request(http, kind, rng).status_code
                except httpx.HTTPError:
                    status = 0
                sample = Sample(at=time.monotonic() - self.started, kind=kind, status=status,
                                ms=(time.perf_counter() - began) * 1000)
                with self._lock:
                    self.samples.append(sample)
                    if kind in self.created and status == 201:
                        self.created[kind] += 1

    def run(self, seconds: float, events: list[tuple[float, Callable[[], None]]]) -> None:
        self.started = time.monotonic()
        threads = [threading.Thread(target=self._user, args=(n,), daemon=True)
                   for n in range(self.users)]
        for thread in threads:
            thread.start()
        for at, action in sorted(events, key=lambda e: e[0]):
            time.sleep(max(0.0, at - (time.monotonic() - self.started)))
            action()
        time.sleep(max(0.0, seconds - (time.monotonic() - self.started)))
        self._stop.set()
        for thread in threads:
            thread.join(timeout=15)


def summarize(samples: list[Sample], start: float, end: float) -> dict:
    window = [s for s in samples if start <= s.at < end]
    latencies = sorted(s.ms for s in window)
    errors = [s for s in window if s.status == 0 or s.status >= 500]

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

    return {"requests": len(window), "rps": len(window) / max(end - start, 1e-9),
            "p50": statistics.median(latencies) if latencies else 0.0,
            "p95": percentile(0.95), "errors": len(errors),
            "error_rate": len(errors) / len(window) if window else 0.0,
            "other_4xx": sum(1 for s in window if 400 <= s.status < 500)}


class Cluster:
    """Everything the run starts, stopped in reverse on exit."""

    def __init__(self, data_dir: Path, web_ports: list[int], say) -> None:
        self.data_dir = data_dir
        self.web_ports = web_ports
        self.say = say
        self.processes: list[subprocess.Popen] = []
        self.replica = self.bouncer = self.sentinels = None

    def __enter__(self) -> Cluster:
        database = settings.DATABASES["default"]["NAME"]
        self.say("starting a streaming replica of the primary")
        self.replica = replica_create(self.data_dir, name="multinode-replica", port=5497)
        self.say("starting PgBouncer (session mode)")
        self.bouncer = pgbouncer_start(self.data_dir, name="multinode-pgbouncer", port=6430,
                                       pool_size=20)
        self.say("starting Redis master, replica and three sentinels")
        self.sentinels = sentinel_topology_start(self.data_dir / "multinode-sentinel",
                                                 base_port=26600)
        _, migrate_url = embedded.ensure_postgres_with_roles(self.data_dir, database)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "advisoros.settings", "DEBUG": "false",
               "LOG_LEVEL": "WARNING", "OBSERVABILITY_ACCESS_LOG": "false",
               "DATABASE_URL": self.bouncer.url(database=database, user=embedded.APP_ROLE),
               "DATABASE_MIGRATE_URL": migrate_url,
               "DATABASE_REPLICA_URLS": self.replica.url(database=database,
                                                         user=embedded.APP_ROLE),
               "DATABASE_POOL_MODE": "session", "DB_CONN_MAX_AGE": "0",
               "REDIS_SENTINELS": ",".join(f"{h}:{p}" for h, p in self.sentinels.sentinels),
               "REDIS_SENTINEL_MASTER": self.sentinels.master_name,
               "THROTTLE_ANON": "10000000/minute", "THROTTLE_USER": "10000000/minute",
               "THROTTLE_API_KEY": "10000000/minute"}
        env.pop("REDIS_URL", None)
        logs = self.data_dir / "multinode-logs"
        logs.mkdir(exist_ok=True)
        for port in self.web_ports:
            self._spawn(f"web-{port}", [str(BIN / "granian"), "advisoros.wsgi:application",
                                        "--interface", "wsgi", "--host", "127.0.0.1",
                                        "--port", str(port), "--workers", "1"], env, logs)
        self._spawn("worker", [str(BIN / "celery"), "-A", "advisoros", "worker",
                               "--concurrency", "2", "--loglevel", "WARNING",
                               "--queues", queues.GENERAL_WORKER_QUEUES], env, logs)
        for port in self.web_ports:
            self._wait_healthy(port)
        return self

    def _spawn(self, name: str, argv: list[str], env: dict, logs: Path) -> None:
        log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.processes.append(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log,
                                               stderr=log, start_new_session=True))

    def _wait_healthy(self, port: int) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/health/", timeout=3,
                             headers={"Host": settings.BASE_DOMAIN}).status_code == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"web instance on {port} never became healthy")

    def kill_replica(self) -> None:
        self.say("fault: killing the replica (immediate shutdown)")
        self.replica.stop(mode="immediate")

    def kill_redis_master(self) -> None:
        old = self.sentinels.current_master()
        self.say(f"fault: killing the Redis master {old}")
        began = time.monotonic()
        self.sentinels.kill("master")
        new = wait_for_failover(self.sentinels, old)
        self.say(f"sentinels promoted {new} after {time.monotonic() - began:.1f} s")

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        for part in (self.sentinels, self.bouncer):
            if part is not None:
                part.stop()
        if self.replica is not None:
            self.replica.remove()
