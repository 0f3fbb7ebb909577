"""Where the background work of a small upload goes, phase by phase.

    manage.py profile_small_documents [--firm SLUG] [--documents 200] [--profile PATH]

Uploads small CSV receipts as the seed 004 mix does (half by a client's portal user, half
by a staff member, one file per upload, each to another client of the firm) and runs every
task they queue inline (Celery's eager mode: this process, this database connection), so
each task's cost is measured alone: CPU ms per document of this process and of its
Postgres backend (from /proc/<pid>/schedstat, nanoseconds), and SQL statements per
document, per phase (the upload service itself, then each task; a notification task per
event). Mail goes to Django's in-memory backend (what a worker hands to the SMTP server is
not the cost measured here). The documents stay in the firm, as the mix's uploads do.
Default firm: the mix's (slug ending in `-big`), so run it on the bench database:

    ADVISOROS_DB_NAME=advisoros_bench REDIS_DB_BASE=8 .venv/bin/python manage.py \\
        profile_small_documents --documents 200
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from celery import signals
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import tenant_context

UPLOAD = "upload (service)"


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _backend_cpu_ns(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


@dataclass
class _Phase:
    own_ns: int = 0
    postgres_ns: int = 0
    statements: int = 0
    runs: int = 0


@dataclass
class _Meter:
    """Exclusive cost per phase: a task run inline inside another phase (an eager task
    queued after commit) is taken out of its parent's figures."""

    backend_pid: int
    phases: dict[str, _Phase] = field(default_factory=lambda: defaultdict(_Phase))
    stack: list[list] = field(default_factory=list)  # [name, own0, pg0, child_own, child_pg]
    current: list[str] = field(default_factory=list)

    def enter(self, name: str) -> None:
        self.stack.append([name, time.process_time_ns(), _backend_cpu_ns(self.backend_pid),
                           0, 0])
        self.current.append(name)

    def leave(self) -> None:
        name, own0, pg0, child_own, child_pg = self.stack.pop()
        self.current.pop()
        own = time.process_time_ns() - own0
        postgres = _backend_cpu_ns(self.backend_pid) - pg0
        phase = self.phases[name]
        phase.own_ns += own - child_own
        phase.postgres_ns += postgres - child_pg
        phase.runs += 1
        if self.stack:
            self.stack[-1][3] += own
            self.stack[-1][4] += postgres

    def count_statement(self, execute, sql, params, many, context):
        if self.current:
            self.phases[self.current[-1]].statements += 1
        return execute(sql, params, many, context)


def _phase_name(task, kwargs: dict | None) -> str:
    event = (kwargs or {}).get("event")
    return f"{task.name}: {event}" if event else task.name


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--firm", default="", help="Slug (default: the firm ending -big).")
        parser.add_argument("--documents", type=int, default=200)
        parser.add_argument("--profile", default="",
                            help="Also write a pyinstrument profile of the run to this file.")

    def handle(self, *args, firm: str, documents: int, profile: str, **options) -> None:
        from apps.firms.models import Firm

        found = (Firm.objects.filter(slug=firm) if firm
                 else Firm.objects.filter(slug__endswith="-big").order_by("pk")).first()
        if found is None:
            raise CommandError(f"No firm {firm or 'ending in -big'}: seed one first "
                               "(make bench seeds the mix's firm).")
        settings.DEBUG = False
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        # Each task logs its success at INFO: thousands of lines that say nothing here.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        with tenant_context(found):
            uploads = self._uploads(found, documents)
            self.stdout.write(f"Firm {found.slug}: {len(uploads)} small uploads; load "
                              f"{_load()}")
            meter = self._run(uploads, profile)
        self._report(meter, len(uploads))
        self.stdout.write(f"load after: {_load()}")

    def _uploads(self, firm, count: int) -> list[tuple]:
        """(client, uploader id) pairs: alternately a portal user of the client and a
        staff member (the firm's owner, as an integrator's key acts for staff)."""
        from apps.accounts.models import Membership, Role
        from apps.portal.models import Client, ClientAccess

        owner = Membership.objects.filter(firm=firm, role=Role.OWNER, is_active=True) \
            .values_list("user_id", flat=True).first()
        accesses = list(ClientAccess.objects.filter(client__deleted_at__isnull=True)
                        .values_list("client_id", "user_id")[:count])
        if owner is None or not accesses:
            raise CommandError("The firm needs an owner and clients with portal users.")
        clients = {c.pk: c for c in Client.objects.filter(
            pk__in=[client_id for client_id, _ in accesses])}
        picked = []
        for index in range(count):
            client_id, portal_user = accesses[index % len(accesses)]
            picked.append((clients[client_id], portal_user if index % 2 == 0 else owner))
        return picked

    def _run(self, uploads: list[tuple], profile: str) -> _Meter:
        from apps.documents.services import documents_upload

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            meter = _Meter(backend_pid=cursor.fetchone()[0])

        def task_started(task=None, kwargs=None, **_):
            meter.enter(_phase_name(task, kwargs))

        def task_ended(**_):
            meter.leave()

        signals.task_prerun.connect(task_started, weak=False, dispatch_uid="profile_small_in")
        signals.task_postrun.connect(task_ended, weak=False, dispatch_uid="profile_small_out")
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        try:
            with _tasks_inline(), connection.execute_wrapper(meter.count_statement):
                for client, uploader in uploads:
                    number = random.randint(1, 10**9)
                    text = (f"vendor,date,description,total\nOffice Supply Co,2026-03-"
                            f"{number % 28 + 1:02d},Receipt {number},{number % 9999}.00\n")
                    upload = SimpleUploadedFile(f"receipt-{number}.csv", text.encode(),
                                                content_type="text/csv")
                    meter.enter(UPLOAD)
                    documents_upload(client=client, files=[upload], category="receipt",
                                     uploaded_by_id=uploader)
                    meter.leave()
        finally:
            signals.task_prerun.disconnect(dispatch_uid="profile_small_in")
            signals.task_postrun.disconnect(dispatch_uid="profile_small_out")
            if profiler is not None:
                profiler.stop()
                Path(profile).write_text(profiler.output_text(unicode=True, color=False))
        return meter

    def _report(self, meter: _Meter, documents: int) -> None:
        self.stdout.write("\n| phase | runs per document | CPU ms per document | Postgres CPU "
                          "ms per document | statements per document |")
        self.stdout.write("|---|---|---|---|---|")
        background = [0.0, 0.0, 0.0]
        for name, phase in sorted(meter.phases.items(), key=lambda kv: -kv[1].own_ns):
            own, postgres = phase.own_ns / 1e6 / documents, phase.postgres_ns / 1e6 / documents
            statements = phase.statements / documents
            if name != UPLOAD:
                background = [background[0] + own, background[1] + postgres,
                              background[2] + statements]
            self.stdout.write(f"| {name} | {phase.runs / documents:.2f} | {own:.2f} | "
                              f"{postgres:.2f} | {statements:.1f} |")
        self.stdout.write(f"| all background work | | {background[0]:.2f} | "
                          f"{background[1]:.2f} | {background[2]:.1f} |")


class _tasks_inline:
    """Celery's eager mode, set under both key spellings (some Celery versions read the
    namespaced one)."""

    wanted = {"task_always_eager": True, "task_eager_propagates": True}

    def __enter__(self) -> None:
        from advisoros.celery import app

        self.app = app
        self.previous = {key: bool(app.conf.get(key)) for key in self.wanted}
        self._put(self.wanted)

    def __exit__(self, *exc) -> None:
        self._put(self.previous)

    def _put(self, values: dict) -> None:
        for key, value in values.items():
            self.app.conf[key] = value
            self.app.conf[f"CELERY_{key.upper()}"] = value
