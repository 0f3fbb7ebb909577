"""Audited-write throughput in one firm: appending without a lock and sealing afterwards,
against the former per-firm advisory lock held to commit (kept here only as the baseline).

Scenarios, each for `--seconds`:
- throughput: `--writers` threads, each an endless loop of one transaction with one audited
  write plus `--work-ms` of other work in the same transaction (what a request does after
  its audit call); a sealer thread seals as a worker would;
- flood: `--flood` writers (in 4 processes of their own, as web workers would be)
  recording refused requests as fast as they can while 4 other users each make one audited
  write every 20 ms; their latency is compared with a run without the flood.
A monitor samples pg_locks every 10 ms: how many writers were waiting on a lock.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.services import user_create
from apps.audit.chain import GENESIS_HASH, canonical_payload
from apps.audit.models import AuditAction, AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_chain_seal, audit_record
from apps.firms.services import firm_create, firm_delete

_OLD_LOCK_CLASS = 7_431


def _locked_append(*, action: str, details: dict) -> None:
    """The former audit_record: the firm's chain lock, held until commit, then the head's
    hash read and the new row chained to it (plain SHA-256)."""
    event = AuditEvent(created_at=timezone.now(), action=action, details=details)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                       [_OLD_LOCK_CLASS])
        cursor.execute("SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        event.prev_hash = (row[0] if row else "") or GENESIS_HASH
        event.hash = hashlib.sha256((event.prev_hash + canonical_payload(event)).encode()
                                    ).hexdigest()
        event.save(force_insert=True)


def _append(*, action: str, details: dict) -> None:
    audit_record(action=action, details=details)


APPENDERS: dict[str, Callable[..., None]] = {"lock (before)": _locked_append,
                                             "append + seal (now)": _append}


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def p(self, pct: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))] * 1000


def _loop(schema: str, stop: threading.Event, run: Run, lock: threading.Lock, *,
          append: Callable[..., None], action: str, work_ms: float, pause: float) -> None:
    mine: list[float] = []
    try:
        with schema_context(schema):
            while not stop.is_set():
                started = time.perf_counter()
                with transaction.atomic():
                    append(action=action, details={"bench": True})
                    if work_ms:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT pg_sleep(%s)", [work_ms / 1000])
                mine.append(time.perf_counter() - started)
                if pause:
                    time.sleep(pause)
    except Exception as exc:
        run.errors.append(repr(exc))
    finally:
        connections.close_all()
        with lock:
            run.latencies.extend(mine)


def _lock_monitor(stop: threading.Event, samples: list[int]) -> None:
    """Writers waiting on a lock in this database, sampled every 10 ms."""
    try:
        with connection.cursor() as cursor:
            while not stop.is_set():
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
                               "(SELECT oid FROM pg_database WHERE datname = current_database())")
                samples.append(cursor.fetchone()[0])
                time.sleep(0.01)
    finally:
        connections.close_all()


def _flood_process(schema: str, threads: int, append_name: str, pause: float, stop,
                   counts) -> None:
    """A process of its own (its own interpreter lock), like a web worker."""
    run, lock, local_stop = Run(), threading.Lock(), threading.Event()
    workers = [threading.Thread(target=_loop, args=(schema, local_stop, run, lock), kwargs={
        "append": APPENDERS[append_name], "action": AuditAction.PERMISSION_DENIED,
        "work_ms": 0, "pause": pause}) for _ in range(threads)]
    for thread in workers:
        thread.start()
    stop.wait()
    local_stop.set()
    for thread in workers:
        thread.join()
    counts.put(len(run.latencies))


def _sealer(schema: str, stop: threading.Event, sealed: list[int]) -> None:
    try:
        with schema_context(schema):
            while not stop.is_set():
                sealed.append(audit_chain_seal())
                time.sleep(0.05)
    finally:
        connections.close_all()


class Command(BaseCommand):
    help = "Audited writes in one firm: append + seal vs the former per-firm lock."

    def add_arguments(self, parser):
        parser.add_argument("--writers", type=int, default=16)
        parser.add_argument("--flood", type=int, default=16)
        parser.add_argument("--seconds", type=float, default=8.0)
        parser.add_argument("--work-ms", type=float, nargs="*", default=[0.0, 2.0])
        # 0: each flood writer as fast as it can; 100: each about 10 refused requests/s.
        parser.add_argument("--flood-pause-ms", type=float, nargs="*", default=[0.0, 100.0])

    def handle(self, *args, writers: int, flood: int, seconds: float, work_ms: list[float],
               flood_pause_ms: list[float], **options):
        run_id = uuid.uuid4().hex[:6]
        owner = user_create(email=f"bench-audit-{run_id}@bench.test", password=None,
                            validate=False)
        firm = firm_create(name=f"Bench audit {run_id}", slug=f"bench-audit-{run_id}",
                           owner=owner).firm
        connection.set_schema_to_public()
        schema = firm.schema_name
        out = self.stdout.write
        try:
            out(f"one firm ({schema}), {writers} concurrent writers, {seconds:g} s per run")
            out("| appending | other work in the transaction | audited writes/s | p50 ms "
                "| p95 ms | writers waiting on a lock (mean) | errors |")
            out("|---|---|---|---|---|---|---|")
            for work in work_ms:
                for name, append in APPENDERS.items():
                    run, elapsed, waiting = self._run(schema, seconds, append=append,
                                                      threads=writers, work_ms=work)
                    out(f"| {name} | {work:g} ms | {len(run.latencies) / elapsed:,.0f} | "
                        f"{run.p(50):.1f} | {run.p(95):.1f} | {waiting:.1f} | "
                        f"{len(run.errors)} |")
            self._seal_and_verify(schema)
            out("")
            out(f"a flood of refused requests ({flood} writers in 4 processes) and 4 other "
                "users, each writing every 20 ms")
            out("| appending | flood (pause per refused request) | other users' writes/s "
                "| their p50 ms | their p95 ms | refused requests/s "
                "| writers waiting on a lock (mean) |")
            out("|---|---|---|---|---|---|---|")
            floods = [(0, 0.0)] + [(flood, pause) for pause in flood_pause_ms]
            for name in APPENDERS:
                for flooders, pause in floods:
                    users, flooded, elapsed, waiting = self._flood_run(
                        schema, seconds, append_name=name, flood=flooders, pause=pause / 1000)
                    label = f"{flooders} writers, {pause:g} ms" if flooders else "none"
                    out(f"| {name} | {label} | "
                        f"{len(users.latencies) / elapsed:,.0f} | {users.p(50):.1f} | "
                        f"{users.p(95):.1f} | {flooded / elapsed:,.0f} | {waiting:.1f} |")
            self._seal_and_verify(schema)
        finally:
            firm_delete(firm=firm)
            owner.delete()

    def _run(self, schema: str, seconds: float, *, append, threads: int, work_ms: float):
        stop, lock, run, sealed, waits = (threading.Event(), threading.Lock(), Run(), [],
                                          [])
        # The sealer runs only with the new way (in production: a Celery worker).
        sealers = [] if append is _locked_append else [
            threading.Thread(target=_sealer, args=(schema, stop, sealed))]
        workers = [threading.Thread(target=_loop, args=(schema, stop, run, lock), kwargs={
            "append": append, "action": AuditAction.RECORD_CHANGED, "work_ms": work_ms,
            "pause": 0}) for _ in range(threads)]
        workers.append(threading.Thread(target=_lock_monitor, args=(stop, waits)))
        started = time.perf_counter()
        for thread in [*sealers, *workers]:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in [*sealers, *workers]:
            thread.join()
        if run.errors:
            self.stderr.write(f"  errors: {run.errors[:3]}")
        return run, time.perf_counter() - started, sum(waits) / len(waits) if waits else 0.0

    def _flood_run(self, schema: str, seconds: float, *, append_name: str, flood: int,
                   pause: float):
        append = APPENDERS[append_name]
        stop, lock, users, sealed, waits = (threading.Event(), threading.Lock(), Run(), [],
                                            [])
        threads = [] if append is _locked_append else [
            threading.Thread(target=_sealer, args=(schema, stop, sealed))]
        threads.append(threading.Thread(target=_lock_monitor, args=(stop, waits)))
        threads += [threading.Thread(target=_loop, args=(schema, stop, users, lock), kwargs={
            "append": append, "action": AuditAction.RECORD_CHANGED, "work_ms": 0,
            "pause": 0.02}) for _ in range(4)]
        context = multiprocessing.get_context("fork")
        process_stop, counts = context.Event(), context.Queue()
        processes = [context.Process(target=_flood_process,
                                     args=(schema, flood // 4, append_name, pause,
                                           process_stop, counts)) for _ in range(4 if flood else 0)]
        connections.close_all()  # children open their own connections
        for process in processes:
            process.start()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        process_stop.set()
        for thread in threads:
            thread.join()
        flooded = sum(counts.get(timeout=60) for _ in processes)
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - started
        mean_waiting = sum(waits) / len(waits) if waits else 0.0
        return users, flooded, elapsed, mean_waiting

    def _seal_and_verify(self, schema: str) -> None:
        with schema_context(schema):
            started = time.perf_counter()
            sealed = audit_chain_seal()
            seal_seconds = time.perf_counter() - started
            report = audit_chain_verify()
            total = AuditEvent.objects.count()
        rate = f" ({sealed / seal_seconds:,.0f} rows/s)" if sealed else ""
        self.stdout.write(
            f"\nafter the runs: {sealed} rows left to seal, sealed in {seal_seconds:.2f} s"
            f"{rate}; verify: {'intact' if report.intact else 'BROKEN: ' + report.reason} "
            f"({report.checked} of {total} events checked)")
