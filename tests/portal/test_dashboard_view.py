"""The client_dashboard_metrics view: same figures as live aggregation, deterministic,
one per firm, refreshed under a per-firm lock with its duration recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.portal.dashboard_sql import VIEW_NAME
from apps.portal.firm_dashboard import firm_dashboard_from_view, firm_dashboard_live
from apps.portal.metrics import (
    METRIC_FIELDS,
    client_metrics_from_view,
    client_metrics_live,
    stored_documents_window,
)
from apps.portal.models import ClientDashboardMetrics, DashboardRefresh, Engagement, Task
from apps.portal.refresh import dashboard_refresh
from tests.portal.factories import (
    make_client,
    make_document,
    make_engagement,
    make_invoice,
    make_task,
)

pytestmark = pytest.mark.django_db


def build_practice() -> list[int]:
    """Clients covering every branch of the view: statuses, soft deletes, old documents."""
    busy, quiet, empty = (make_client(business_name=n) for n in ("Busy", "Quiet", "Empty"))
    make_document(busy, status=Document.Status.NEEDS_REVIEW)
    make_document(busy, days_old=45)
    make_document(busy, days_old=3, status=Document.Status.APPROVED)
    make_document(busy, deleted_at="2026-01-01T00:00:00Z")
    make_task(busy, status=Task.Status.PENDING, due_date=date(2026, 3, 1))
    make_task(busy, status=Task.Status.IN_PROGRESS, due_date=date(2026, 2, 1))
    make_task(busy, status=Task.Status.COMPLETED, due_date=date(2026, 1, 1))
    make_invoice(busy, total="500.00", status=Invoice.Status.PAID, balance="0.00")
    make_invoice(busy, total="250.50", balance="100.25", status=Invoice.Status.SENT)
    make_invoice(busy, total="80.00", status=Invoice.Status.OVERDUE)
    make_invoice(busy, total="999.00", status=Invoice.Status.VOID)
    make_invoice(busy, total="10.00", status=Invoice.Status.DRAFT)
    make_engagement(busy, status=Engagement.Status.ACTIVE)
    make_engagement(busy, status=Engagement.Status.COMPLETED)
    make_task(quiet, status=Task.Status.COMPLETED)
    make_document(quiet, days_old=60)
    archived = make_client(business_name="Archived", deleted_at="2026-01-01T00:00:00Z")
    make_document(archived)
    return [busy.pk, quiet.pk, empty.pk, archived.pk]


def view_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {VIEW_NAME} ORDER BY client_id")
        return cursor.fetchall()


@pytest.mark.parametrize("concurrently", [False, True])
def test_view_figures_equal_live_aggregation(in_firm_a, concurrently):
    busy, quiet, empty, archived = build_practice()

    record = dashboard_refresh(concurrently=concurrently)

    live = client_metrics_live([busy, quiet, empty],
                               documents_since=stored_documents_window())
    for client_id in (busy, quiet, empty):
        assert client_metrics_from_view(client_id) == live[client_id]
    assert client_metrics_from_view(archived) is None
    assert record.rows == 3
    figures = client_metrics_from_view(busy)
    assert (figures["documents_total"], figures["documents_last_30_days"],
            figures["documents_needing_review"]) == (3, 2, 1)
    assert (figures["tasks_active"], figures["tasks_completed"]) == (2, 1)
    assert figures["next_task_due"] == date(2026, 2, 1)
    assert (figures["invoices_total"], figures["invoices_open"],
            figures["invoices_overdue"]) == (4, 2, 1)
    # Money collected and kept: the paid 500.00 and 150.25 paid on the sent 250.50.
    assert figures["revenue_paid"] == Decimal("650.25")
    assert figures["outstanding_balance"] == Decimal("180.25")
    assert (figures["engagements_total"], figures["engagements_active"]) == (2, 1)
    assert figures["last_activity_at"] == max(
        figures[name] for name in ("last_document_at", "last_task_at", "last_invoice_at",
                                   "last_engagement_at"))


def test_firm_totals_from_the_view_equal_live_totals(in_firm_a):
    build_practice()
    dashboard_refresh()

    from_view = firm_dashboard_from_view()

    assert from_view.totals == firm_dashboard_live()
    assert from_view.clients_by_status == {"onboarding": 0, "active": 3, "inactive": 0}
    assert [row["client__business_name"] for row in from_view.attention] == ["Busy"]


def test_refresh_is_deterministic(in_firm_a):
    build_practice()
    dashboard_refresh(concurrently=False)
    first = view_rows()

    dashboard_refresh(concurrently=True)

    assert view_rows() == first
    assert len(first[0]) == len(METRIC_FIELDS) + 1


def test_each_firm_has_its_own_view(in_firm_a, firm_b):
    make_client(business_name="Only in A")
    dashboard_refresh()
    assert ClientDashboardMetrics.objects.count() == 1

    connection.set_tenant(firm_b.firm)
    dashboard_refresh()

    assert ClientDashboardMetrics.objects.count() == 0


def test_the_view_has_the_unique_index_concurrent_refresh_needs(in_firm_a):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
            [connection.schema_name, VIEW_NAME])
        definitions = [row[0] for row in cursor.fetchall()]

    assert any("UNIQUE INDEX" in d and "(client_id)" in d for d in definitions)


def test_refresh_records_its_duration(in_firm_a):
    make_client()

    record = dashboard_refresh()

    assert DashboardRefresh.objects.latest() == record
    assert record.duration_ms >= 0 and record.rows == 1 and record.concurrently


def test_a_second_refresh_of_the_same_firm_skips_while_one_runs(in_firm_a):
    other = connections.create_connection("default")
    try:
        other.set_schema(connection.schema_name)
        with other.cursor() as cursor:
            # What a running refresh holds: the firm's advisory lock.
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))",
                           [f"dashboard-refresh:{connection.schema_name}"])
        before = DashboardRefresh.objects.count()

        assert dashboard_refresh() is None
        assert DashboardRefresh.objects.count() == before
    finally:
        # Released explicitly: the server drops a closed session's locks only once its
        # backend has exited, which may be after the next statement here.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")
        other.close()

    assert dashboard_refresh() is not None


def test_one_statement_live_figures_equal_the_live_aggregation(in_firm_a,
                                                               django_assert_num_queries):
    from apps.portal.metrics import client_metrics_live_one

    busy, quiet, empty, _archived = build_practice()
    for refreshed in (False, True):  # before any refresh stored a window, then after
        if refreshed:
            dashboard_refresh()
        live = client_metrics_live([busy, quiet, empty],
                                   documents_since=stored_documents_window())
        for client_id in (busy, quiet, empty):
            with django_assert_num_queries(1):
                assert client_metrics_live_one(client_id) == live[client_id]
    assert client_metrics_live_one(987_654_321) is None


def test_one_statement_live_figures_read_only_that_clients_rows(in_firm_a):
    busy, *_ = build_practice()
    from apps.portal.dashboard_sql import LIVE_ONE_CLIENT

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + LIVE_ONE_CLIENT, [timezone.now(), busy])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # Each grouped subquery is filtered by the client id, not aggregated for everyone.
    for table in ("documents_document", "portal_task", "billing_invoice", "portal_engagement"):
        assert table in plan
    assert plan.count(f"client_id = {busy}") >= 4, plan
