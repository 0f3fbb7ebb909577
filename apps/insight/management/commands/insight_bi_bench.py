"""Benchmark of the firm BI page at seed scale: the materialized views against the naive
way (the same SELECTs on the base tables), the whole page through the test client, and
the refresh. Run `manage.py seed_scale` (or seed_demo) first. Prints p50/p95/p99."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client as HttpClient
from django_tenants.utils import schema_context

from advisoros.bench import measure, ratio_line
from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.firms.models import Firm
from apps.firms.selectors import firm_host
from apps.insight import bi
from apps.insight.bi_refresh import bi_refresh
from apps.portal.management.commands.bench_portal import _load, _sign_in_past_mfa


class Command(BaseCommand):
    help = "Benchmark the firm BI page: views vs base tables, full page p95, refresh."

    def add_arguments(self, parser):
        parser.add_argument("--firm", default="scale-big", help="Slug of the firm to measure.")
        parser.add_argument("--runs", type=int, default=200)
        parser.add_argument("--naive-runs", type=int, default=20)
        parser.add_argument("--refresh-runs", type=int, default=3)

    def handle(self, *args, firm: str, runs: int, naive_runs: int, refresh_runs: int,
               **options):
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            raise CommandError(f"No firm '{firm}'. Run manage.py seed_scale first.")
        settings.DEBUG = False  # DEBUG keeps every query in memory
        out = self.stdout.write
        period = bi.Period.last_months(date.today())
        with schema_context(found.schema_name):
            counts = _counts()
            out(f"Firm {found.slug}: {counts}; load {_load()}")
            out("\n== refresh (all six views) ==")
            for concurrently in (False, True):
                out(measure(f"refresh {'concurrently' if concurrently else '(plain)'}",
                            lambda i, c=concurrently: bi_refresh(concurrently=c),
                            refresh_runs).row())
            out("\n== every section's query, last 12 months ==")
            fast = measure("from the views", lambda i: bi.all_tables(period), runs)
            naive = measure("naive (same SELECTs on the base tables)",
                            lambda i: bi.all_tables(period, live=True), naive_runs)
            out(fast.row())
            out(naive.row())
            out("views vs naive: " + ratio_line(naive, fast))
        owner_id = Membership.objects.filter(firm=found, role=Role.OWNER).values_list(
            "user_id", flat=True).first()
        if owner_id is None:
            raise CommandError(f"{found.slug} has no owner to sign in as.")
        http = HttpClient(HTTP_HOST=firm_host(found.slug))
        _sign_in_past_mfa(http, User.objects.get(pk=owner_id))

        def get(path: str) -> None:
            response = http.get(path)
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}")
            reset_queries()

        get("/insight/bi/")
        out("\n== full requests (Django test client, no network) ==")
        for label, path in [("GET /insight/bi/ (last 12 months)", "/insight/bi/"),
                            ("GET /insight/bi/export/revenue-by-month.csv",
                             "/insight/bi/export/revenue-by-month.csv"),
                            ("GET /insight/roi/", "/insight/roi/")]:
            timing = measure(label, lambda i, p=path: get(p), runs)
            out(timing.row() + f"  budget 50 ms: {'met' if timing.p95 <= 50 else 'NOT met'}"
                if "bi/" in path and "export" not in path else timing.row())
        connection.set_schema_to_public()
        out(f"load after: {_load()}")


def _counts() -> str:
    from apps.billing.models import Invoice
    from apps.documents.models import Document
    from apps.portal.models import Client
    from apps.work.models import Job, TimeEntry

    return ", ".join(f"{model.__name__.lower()}s {model.objects.count():,}"
                     for model in (Client, Invoice, TimeEntry, Job, Document))
