"""The demo tells the truth: statuses agree with dates, invoices look like new ones,
documents went through the pipeline, ratings have reviews behind them, and the
marketplace has advisors."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.firms.models import Firm
from apps.marketplace.models import LISTED, AdvisorProfile
from apps.portal.models import Task
from tests.eager import tasks_inline

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^\d{4}-\d{5}$")  # apps/billing/services.py::invoice_number_next


def test_the_demo_tells_the_truth():
    # One seed for every check: seeding three firms is the slow part. The test's
    # transaction never commits, so no after-commit work (no queued message) helps: the
    # seed itself must leave every document processed.
    out = io.StringIO()
    with tasks_inline():
        call_command("seed_demo", stdout=out)

    invoice_statuses_agree_with_their_due_dates()
    demo_invoices_have_lines_and_numbers_like_new_ones()
    no_demo_document_is_left_waiting_for_the_pipeline()
    open_tasks_are_due_around_today_and_done_ones_in_the_past()
    the_marketplace_is_filled_and_every_rating_has_its_reviews(out.getvalue())
    every_active_client_has_a_health_score()


def every_active_client_has_a_health_score() -> None:
    from apps.clienthealth.models import ClientHealth
    from apps.portal.models import Client

    for firm in _firms():
        with schema_context(firm.schema_name):
            alive = set(Client.objects.filter(deleted_at__isnull=True)
                        .values_list("pk", flat=True))
            scored = set(ClientHealth.objects.values_list("client_id", flat=True))
            assert alive and alive <= scored, firm.slug


def _firms():
    return Firm.objects.filter(slug__in=["johnson-associates", "sarah-chen",
                                         "regional-cpa-network"])


def invoice_statuses_agree_with_their_due_dates() -> None:
    today = timezone.localdate()
    for firm in _firms():
        with schema_context(firm.schema_name):
            invoices = list(Invoice.objects.all())
            assert {i.status for i in invoices} >= {"paid", "sent", "overdue", "draft"}
            for invoice in invoices:
                if invoice.status == "overdue":
                    assert invoice.due_date < today and invoice.balance > 0, invoice.number
                if invoice.status == "sent":
                    assert invoice.due_date >= today, invoice.number
                if invoice.status == "paid":
                    assert invoice.balance == 0 and invoice.paid_at is not None


def demo_invoices_have_lines_and_numbers_like_new_ones() -> None:
    for firm in _firms():
        with schema_context(firm.schema_name):
            invoices = Invoice.objects.annotate(n=Count("lines"),
                                                line_total=Sum("lines__amount"))
            for invoice in invoices:
                assert invoice.n >= 2, invoice.number
                assert NUMBER.match(invoice.number), invoice.number
                assert invoice.line_total == invoice.subtotal


def no_demo_document_is_left_waiting_for_the_pipeline() -> None:
    for firm in _firms():
        with schema_context(firm.schema_name):
            statuses = set(Document.objects.values_list("status", flat=True))
            assert statuses, firm.slug
            assert not statuses & set(Document.PENDING_STATUSES), (firm.slug, statuses)
            assert "failed" not in statuses
            assert Document.objects.exclude(doc_type="").exists()


def open_tasks_are_due_around_today_and_done_ones_in_the_past() -> None:
    today = timezone.localdate()
    with schema_context(_firms().get(slug="johnson-associates").schema_name):
        assert not Task.objects.filter(status="completed", due_date__gte=today).exists()
        assert Task.objects.filter(~Q(status="completed"), due_date__gte=today).exists()


def the_marketplace_is_filled_and_every_rating_has_its_reviews(demo: str) -> None:
    listed = AdvisorProfile.objects.filter(LISTED)
    assert listed.count() >= 200
    counted = listed.annotate(rows=Count("reviews", filter=Q(reviews__status="published")),
                              stars=Sum("reviews__overall_rating",
                                        filter=Q(reviews__status="published")))
    for advisor in counted:
        assert advisor.total_reviews == advisor.rows, advisor.pk
        assert advisor.rating_sum == (advisor.stars or 0), advisor.pk
    assert counted.filter(rows__gt=0).count() >= 30
    assert "reviews of" in demo
