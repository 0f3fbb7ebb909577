"""How long a migration takes across many firms: sequential against parallel.

Makes `--firms` firms (cloned from the template, as sign-ups are), then applies one real,
reversible tenant migration (portal 0005, an index) to every firm schema twice: with
django-tenants' standard executor (one schema after another) and with its multiprocessing
executor (`--processes` at once). Each pass first migrates back, so both do the same work.
Both print django-tenants' progress per schema ([n/N]). Run it on a database of its own:

    ADVISOROS_DB_NAME=advisoros_migrate_bench .venv/bin/python manage.py bench_migrate_firms
"""

from __future__ import annotations

import io
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.firms.models import Firm
from apps.firms.services import firm_create
from apps.firms.template_schema import template_schema_ensure

APP, BEFORE, TARGET = "portal", "0004_client_search", "0005_client_revenue_index"


class Command(BaseCommand):
    help = "Time one tenant migration across many firms, sequential and in parallel."

    def add_arguments(self, parser):
        parser.add_argument("--firms", type=int, default=500)
        parser.add_argument("--processes", type=int, default=4)

    def handle(self, *args, firms, processes, **options):
        say = self.stdout.write
        call_command("migrate_schemas", "--shared", verbosity=0)
        template_schema_ensure()
        existing = Firm.objects.filter(slug__startswith="migbench-").count()
        if existing and existing != firms:
            say(f"found {existing} bench firms (asked for {firms}); adding the difference"
                if existing < firms else
                f"found {existing} bench firms, more than the {firms} asked: all are timed")
        started = time.perf_counter()
        for number in range(existing, firms):
            email = f"owner@migbench-{number}.test"
            owner = User.objects.filter(email=email).first() or user_create(
                email=email, password=None, full_name=f"Owner {number}", validate=False)
            firm_create(name=f"Migration bench {number}", slug=f"migbench-{number}",
                        owner=owner)
            if (number + 1) % 50 == 0:
                say(f"  {number + 1}/{firms} firms")
        total = Firm.objects.exclude(schema_name="public").count()
        say(f"{total} firm schemas ({firms - existing} made in "
            f"{time.perf_counter() - started:.0f} s)")
        settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = processes
        results = {}
        for executor in ("standard", "multiprocessing"):
            self._migrate(BEFORE, executor)
            began = time.perf_counter()
            progress = self._migrate(TARGET, executor)
            results[executor] = time.perf_counter() - began
            last = [line for line in progress.splitlines() if "/" in line][-1:]
            say(f"{executor}: {results[executor]:.1f} s for {total} schemas "
                f"({results[executor] / total * 1000:.0f} ms a schema); last progress line: "
                f"{last[0].strip() if last else '-'}")
        say(f"parallel ({processes} processes) vs sequential: "
            f"{results['standard'] / results['multiprocessing']:.1f}x")

    def _migrate(self, target: str, executor: str) -> str:
        out = io.StringIO()
        call_command("migrate_schemas", APP, target, "--tenant", "--executor", executor,
                     stdout=out, stderr=out, verbosity=1)
        return out.getvalue()
