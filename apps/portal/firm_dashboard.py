"""The staff firm dashboard: counts and money across clients, and who needs attention.

Read from the dashboard view (one aggregate over ~one row per client) and cached for a
minute per firm; `firm_dashboard_live` is the naive equivalent over the base tables, kept
for the benchmark and for the test that proves both agree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, Sum

from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.portal.models import Client, ClientDashboardMetrics, Engagement, Task
from apps.portal.refresh import dashboard_snapshot_at

FIRM_DASHBOARD_KEY = "portal:dashboard:firm:v1"
FIRM_DASHBOARD_SECONDS = 60
ATTENTION_ROWS = 10
_ZERO = Decimal("0.00")

TOTAL_FIELDS = ("documents_needing_review", "tasks_active", "invoices_open",
                "invoices_overdue", "revenue_paid", "outstanding_balance",
                "engagements_active")


@dataclass(frozen=True)
class FirmDashboard:
    clients_by_status: dict[str, int]
    totals: dict[str, int | Decimal]
    attention: list[dict]
    as_of: datetime | None
    computed_at: float


def _clients_by_status() -> dict[str, int]:
    counts = dict.fromkeys(Client.Status.values, 0)
    for row in Client.objects.alive().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def firm_dashboard_from_view() -> FirmDashboard:
    totals = ClientDashboardMetrics.objects.aggregate(
        **{name: Sum(name) for name in TOTAL_FIELDS})
    totals = {name: (value if value is not None else (_ZERO if "balance" in name
                                                      or "revenue" in name else 0))
              for name, value in totals.items()}
    # Overdue money first, then documents waiting for review.
    attention = list(
        ClientDashboardMetrics.objects
        .filter(Q(invoices_overdue__gt=0) | Q(documents_needing_review__gt=0))
        .order_by("-outstanding_balance", "client_id")
        .values("client_id", "client__business_name", "outstanding_balance",
                "invoices_overdue", "documents_needing_review", "next_task_due")
        [:ATTENTION_ROWS])
    return FirmDashboard(_clients_by_status(), totals, attention, dashboard_snapshot_at(),
                         time.time())


def firm_dashboard_get() -> FirmDashboard:
    """Cached for a minute: the view itself only changes every 5 minutes."""
    entry = cache.get(FIRM_DASHBOARD_KEY)
    if entry is None:
        entry = firm_dashboard_from_view()
        cache.set(FIRM_DASHBOARD_KEY, entry, FIRM_DASHBOARD_SECONDS)
    return entry


def firm_dashboard_live() -> dict[str, int | Decimal]:
    """The same totals as `firm_dashboard_from_view`, aggregated from the base tables."""
    alive = Q(client__deleted_at__isnull=True)
    documents = Document.objects.alive().filter(alive).aggregate(
        documents_needing_review=Count("id", filter=Q(status=Document.Status.NEEDS_REVIEW)))
    tasks = Task.objects.filter(alive).aggregate(
        tasks_active=Count("id", filter=~Q(status=Task.Status.COMPLETED)))
    invoices = Invoice.objects.filter(alive).aggregate(
        invoices_open=Count("id", filter=Q(status__in=Invoice.OPEN_STATUSES)),
        invoices_overdue=Count("id", filter=Q(status=Invoice.Status.OVERDUE)),
        revenue_paid=Invoice.revenue_collected_sum(),
        outstanding_balance=Sum("balance", filter=Q(status__in=Invoice.OPEN_STATUSES)))
    engagements = Engagement.objects.filter(alive).aggregate(
        engagements_active=Count("id", filter=Q(status=Engagement.Status.ACTIVE)))
    totals = {**documents, **tasks, **invoices, **engagements}
    totals["revenue_paid"] = totals["revenue_paid"] or _ZERO
    totals["outstanding_balance"] = totals["outstanding_balance"] or _ZERO
    return totals
