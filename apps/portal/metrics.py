"""Dashboard figures: read from the materialized view, or computed live (the naive way).

`client_metrics_from_view` reads one row of `client_dashboard_metrics`;
`client_metrics_live` computes the same figures with ORM aggregates over the base tables.
The tests prove both agree; the benchmark compares their speed; the portal uses the live
path for a client whose own change is newer than the view's last snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.portal.dashboard_sql import LIVE_ONE_CLIENT
from apps.portal.models import ClientDashboardMetrics, DashboardWindow, Engagement, Task

METRIC_FIELDS: tuple[str, ...] = (
    "documents_total", "documents_last_30_days", "documents_needing_review",
    "tasks_active", "tasks_completed", "next_task_due",
    "invoices_total", "invoices_open", "invoices_overdue", "revenue_paid",
    "outstanding_balance", "engagements_total", "engagements_active",
    "last_document_at", "last_task_at", "last_invoice_at", "last_engagement_at",
    "last_activity_at",
)
_ZERO = Decimal("0.00")
_ACTIVE_TASKS = (Task.Status.PENDING, Task.Status.IN_PROGRESS)


def empty_metrics() -> dict:
    figures: dict = dict.fromkeys(METRIC_FIELDS, 0)
    figures.update(revenue_paid=_ZERO, outstanding_balance=_ZERO, next_task_due=None,
                   last_document_at=None, last_task_at=None, last_invoice_at=None,
                   last_engagement_at=None, last_activity_at=None)
    return figures


def client_metrics_live_one(client_id: int) -> dict | None:
    """One client's figures computed now from the base tables in one statement (the
    view's SQL narrowed to the client); None for an unknown client."""
    with connection.cursor() as cursor:
        cursor.execute(LIVE_ONE_CLIENT, [documents_window_start(), client_id])
        row = cursor.fetchone()
        if row is None:
            return None
        columns = [column.name for column in cursor.description]
    figures = dict(zip(columns, row, strict=True))
    figures.pop("client_id")
    return figures


def client_metrics_from_view(client_id: int) -> dict | None:
    """The view's row for one client, or None when the view has none (yet)."""
    return ClientDashboardMetrics.objects.filter(client_id=client_id).values(
        *METRIC_FIELDS).first()


def client_metrics_if_alive(client_id: int) -> tuple[bool, dict | None]:
    """Whether the client exists and is not deleted, and the view's row for it (None when
    the view has none yet), in one statement: what a dashboard read that must answer 404
    for a missing client needs on a cache miss, in one round trip instead of two."""
    from apps.portal.models import Client

    columns = ", ".join(f'm."{field}"' for field in METRIC_FIELDS)
    sql = (f'SELECT m."client_id" IS NOT NULL, {columns} '  # noqa: S608 - the models' own names
           f'FROM "{Client._meta.db_table}" c '
           f'LEFT JOIN "{ClientDashboardMetrics._meta.db_table}" m ON m."client_id" = c."id" '
           'WHERE c."id" = %s AND c."deleted_at" IS NULL')
    with connection.cursor() as cursor:
        cursor.execute(sql, [client_id])
        found = cursor.fetchone()
    if found is None:
        return False, None
    has_row, *values = found
    return True, dict(zip(METRIC_FIELDS, values, strict=True)) if has_row else None


def documents_window_start(now: datetime | None = None) -> datetime:
    """Start of "the last 30 days": midnight UTC, 30 days back (as the view stores it)."""
    now = now or timezone.now()
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=30)


def stored_documents_window() -> datetime:
    row = DashboardWindow.objects.filter(pk=1).values_list("documents_since", flat=True).first()
    return row or documents_window_start()


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def client_metrics_live(client_ids: Iterable[int], *, documents_since: datetime | None = None
                        ) -> dict[int, dict]:
    """Live aggregation over the base tables, one dict per client id (4 queries)."""
    ids = list(client_ids)
    since = documents_since or documents_window_start()
    result = {client_id: empty_metrics() for client_id in ids}

    documents = (
        Document.objects.alive().filter(client_id__in=ids).values("client_id")
        .annotate(total=Count("id"), recent=Count("id", filter=Q(created_at__gte=since)),
                  review=Count("id", filter=Q(status=Document.Status.NEEDS_REVIEW)),
                  last=Max("created_at"))
    )
    for row in documents:
        result[row["client_id"]].update(
            documents_total=row["total"], documents_last_30_days=row["recent"],
            documents_needing_review=row["review"], last_document_at=row["last"])

    tasks = (
        Task.objects.filter(client_id__in=ids).values("client_id")
        .annotate(active=Count("id", filter=Q(status__in=_ACTIVE_TASKS)),
                  done=Count("id", filter=Q(status=Task.Status.COMPLETED)),
                  next_due=Min("due_date", filter=Q(status__in=_ACTIVE_TASKS)),
                  last=Max("updated_at"))
    )
    for row in tasks:
        result[row["client_id"]].update(
            tasks_active=row["active"], tasks_completed=row["done"],
            next_task_due=row["next_due"], last_task_at=row["last"])

    invoices = (
        Invoice.objects.filter(client_id__in=ids).values("client_id")
        .annotate(counted=Count("id", filter=~Q(status=Invoice.Status.VOID)),
                  open=Count("id", filter=Q(status__in=Invoice.OPEN_STATUSES)),
                  overdue=Count("id", filter=Q(status=Invoice.Status.OVERDUE)),
                  paid=Invoice.revenue_collected_sum(),
                  owed=Sum("balance", filter=Q(status__in=Invoice.OPEN_STATUSES)),
                  last=Max("updated_at"))
    )
    for row in invoices:
        result[row["client_id"]].update(
            invoices_total=row["counted"], invoices_open=row["open"],
            invoices_overdue=row["overdue"], revenue_paid=row["paid"] or _ZERO,
            outstanding_balance=row["owed"] or _ZERO, last_invoice_at=row["last"])

    engagements = (
        Engagement.objects.filter(client_id__in=ids).values("client_id")
        .annotate(total=Count("id"),
                  active=Count("id", filter=Q(status=Engagement.Status.ACTIVE)),
                  last=Max("updated_at"))
    )
    for row in engagements:
        result[row["client_id"]].update(
            engagements_total=row["total"], engagements_active=row["active"],
            last_engagement_at=row["last"])

    for figures in result.values():
        figures["last_activity_at"] = _latest(
            figures["last_document_at"], figures["last_task_at"],
            figures["last_invoice_at"], figures["last_engagement_at"])
    return result
