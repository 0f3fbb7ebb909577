"""Benchmark the billing reports at seed scale against the naive way, in one run.

Run `manage.py seed_scale` first. Measures, in the largest firm: firm aging (aggregate
over the partial covering index vs loading every open invoice and bucketing in Python),
aging by client (first page: grouped in SQL vs grouped in Python), revenue by month
(SQL vs Python), and the staff invoice list page query.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import schema_context

from advisoros.bench import measure, ratio_line
from apps.billing import reports
from apps.billing.models import Invoice
from apps.billing.selectors import InvoiceListQuery, invoice_list_page
from apps.firms.models import Firm


def aging_by_client_naive(as_of: date, limit: int = 50) -> list[tuple[int, object]]:
    totals: dict[int, object] = defaultdict(int)
    for client_id, balance in Invoice.objects.filter(
            status__in=Invoice.OPEN_STATUSES, due_date__lte=as_of).values_list(
            "client_id", "balance"):
        totals[client_id] += balance
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def revenue_by_month_naive(period: reports.Period) -> dict:
    months: dict = defaultdict(lambda: [0, 0])
    for issued, total, tax in Invoice.objects.filter(
            status__in=Invoice.ISSUED_STATUSES, issue_date__gte=period.start,
            issue_date__lt=period.end).values_list("issue_date", "total", "tax_total"):
        months[issued.replace(day=1)][0] += 1
        months[issued.replace(day=1)][1] += total - tax
    return dict(months)


class Command(BaseCommand):
    help = "Benchmark billing reports (aging, aging by client, revenue by month) vs naive."

    def add_arguments(self, parser):
        parser.add_argument("--firm", default="scale-big", help="Slug of the firm to measure.")
        parser.add_argument("--runs", type=int, default=100)
        parser.add_argument("--naive-runs", type=int, default=20)
        parser.add_argument("--as-of", default="2025-06-30",
                            help="Aging date (the seed's invoices fall in 2024-2025).")

    def handle(self, *args, firm: str, runs: int, naive_runs: int, as_of: str, **options):
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            raise CommandError(f"No firm '{firm}'. Run manage.py seed_scale first.")
        if runs < 1 or naive_runs < 1:
            raise CommandError("--runs and --naive-runs must be at least 1.")
        try:
            as_of_date = date.fromisoformat(as_of)
        except ValueError as exc:
            raise CommandError("--as-of must be a date like 2025-06-30.") from exc
        settings.DEBUG = False
        out = self.stdout.write
        period = reports.Period(start=date(2024, 7, 1), end=date(2025, 7, 1))
        with schema_context(found.schema_name):
            open_count = Invoice.objects.filter(status__in=Invoice.OPEN_STATUSES).count()
            out(f"Firm {firm}: {Invoice.objects.count():,} invoices, {open_count:,} open; "
                f"aging as of {as_of_date}, revenue {period.start} - {period.end}")
            assert reports.aging(as_of=as_of_date) == reports.aging_naive(as_of=as_of_date)
            pairs = [
                ("aging (firm)",
                 lambda i: reports.aging(as_of=as_of_date),
                 lambda i: reports.aging_naive(as_of=as_of_date)),
                ("aging by client, page 1",
                 lambda i: reports.aging_by_client(as_of=as_of_date, limit=50),
                 lambda i: aging_by_client_naive(as_of_date)),
                ("revenue by month, 12 months",
                 lambda i: reports.revenue_by_month(period=period),
                 lambda i: revenue_by_month_naive(period)),
            ]
            for label, fast, naive in pairs:
                out(f"\n{label}")
                fast(0)  # warm the plan cache and the buffer pool alike for both
                naive(0)
                optimised = measure(f"{label}: SQL", fast, runs, progress=out)
                slow = measure(f"{label}: naive", naive, naive_runs, progress=out)
                out(optimised.row())
                out(slow.row())
                out(ratio_line(slow, optimised))
            listing = measure("invoice list page 1 (50 rows)", lambda i: list(
                invoice_list_page(InvoiceListQuery(status="overdue" if i % 2 else "")
                                  ).object_list), runs, progress=out)
            out("\n" + listing.row())
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN SELECT count(*), sum(balance) FROM billing_invoice "
                               "WHERE status IN ('sent', 'partially_paid', 'overdue') "
                               "AND due_date < %s", [as_of_date])
                plan = " / ".join(row[0].strip() for row in cursor.fetchall()[:3])
            out(f"\nplan of the aging scan: {plan}")
