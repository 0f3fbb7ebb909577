"""Benchmark the staff area's global search at seed scale.

Run `manage.py seed_scale` first (e.g. `--firms 1 --clients 20000 --prefix search`); this
adds jobs to the firm when it has fewer than `--jobs` (seed_scale makes none), then times
`global_search` for a few kinds of query (a client's name, an invoice number prefix, a
job's word, a word no one uses), each group on its own, and the job-name query with and
without its index (`work_job_name_search`) to show what the index is worth.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from advisoros.bench import measure, ratio_line
from apps.accounts.roles import Perm
from apps.billing.models import Invoice
from apps.firms.models import Firm
from apps.portal.models import Client
from apps.search import selectors
from apps.work.models import Job, WorkflowTemplate

_WORDS = ("payroll", "close", "audit", "bookkeeping", "return", "review", "forecast",
          "reconciliation", "sales-tax", "1099s", "budget", "onboarding")
ALL = frozenset({Perm.CLIENTS_VIEW, Perm.DOCUMENTS_VIEW, Perm.INVOICES_VIEW,
                 Perm.TASKS_VIEW, Perm.MEMBERS_VIEW})


def _jobs_add(count: int) -> int:
    missing = count - Job.objects.count()
    if missing <= 0:
        return 0
    template = WorkflowTemplate.objects.filter(stages__isnull=False).first()
    if template is None:
        raise CommandError("The firm has no workflow template with stages.")
    stage = template.stages.order_by("position").first()
    client_ids = list(Client.objects.alive().values_list("id", flat=True)[:missing])
    now, today = timezone.now(), date.today()
    Job.objects.bulk_create([
        Job(template=template, client_id=client_ids[i % len(client_ids)], stage=stage,
            name=f"{_WORDS[i % len(_WORDS)].title()} {_WORDS[(i * 7) % len(_WORDS)]} {i}",
            due_date=today + timedelta(days=i % 90), stage_entered_at=now)
        for i in range(missing)], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE work_job")
    return missing


def _job_query(raw: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM work_job WHERE to_tsvector('simple', name) @@ "
                       "to_tsquery('simple', %s) LIMIT 6", [raw])
        return cursor.fetchall()


class Command(BaseCommand):
    help = "Benchmark the global search (clients, documents, invoices, jobs, people)."

    def add_arguments(self, parser):
        parser.add_argument("--firm", default="search-big", help="Slug of the firm to measure.")
        parser.add_argument("--runs", type=int, default=100)
        parser.add_argument("--jobs", type=int, default=100_000,
                            help="Add jobs until the firm has this many.")

    def handle(self, *args, firm: str, runs: int, jobs: int, **options):
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            raise CommandError(f"No firm '{firm}'. Run manage.py seed_scale first.")
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        settings.DEBUG = False
        out = self.stdout.write
        with schema_context(found.schema_name):
            added = _jobs_add(jobs)
            name = Client.objects.alive().order_by("id").values_list(
                "business_name", flat=True).first() or "a"
            number = (Invoice.objects.order_by("-id").values_list("number", flat=True)
                      .first() or "2025")[:8]
            out(f"Firm {firm}: {Client.objects.count():,} clients, "
                f"{Invoice.objects.count():,} invoices, {Job.objects.count():,} jobs "
                f"({added:,} added)")
            queries = {"client name": name.split()[0], "invoice number prefix": number,
                       "one job by a word of its name": "42424", "no match": "zzqxv"}
            for label, q in queries.items():
                global_search = lambda i, q=q: selectors.global_search(  # noqa: E731
                    q=q, perms=ALL, firm_id=found.pk)
                global_search(0)
                out(measure(f"all groups, {label} ({q!r})", global_search, runs).row())
            for group, call in (("clients", lambda i: selectors._clients("payroll")),
                                ("jobs", lambda i: selectors._jobs("42424", [])),
                                ("invoices", lambda i: selectors._invoices(number, []))):
                call(0)
                out(measure(f"one group: {group}", call, runs).row())

            # A word few jobs have: a scan cannot stop early on the first matches.
            out("\njob name search (one job matches), with and without its index")
            indexed = measure("with work_job_name_search", lambda i: _job_query(
                "42424:*"), runs)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_bitmapscan = off")
                    cursor.execute("SET LOCAL enable_indexscan = off")
                scan = measure("without (sequential scan)", lambda i: _job_query(
                    "42424:*"), max(1, runs // 5))
            out(indexed.row())
            out(scan.row())
            out(ratio_line(scan, indexed))
