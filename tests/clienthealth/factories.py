"""Client histories for health scores, dated relative to now."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.documents.models import DocumentRequest, DocumentRequestItem
from apps.people.models import Message, Thread
from apps.portal.models import Client, Engagement
from tests.portal.factories import make_client, make_engagement, make_invoice


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def today_minus(days: int):
    return timezone.now().date() - timedelta(days=days)


def overdue_invoice(client: Client, *, days_late: int, total: str = "500.00"):
    return make_invoice(client, total=total, issue_date=today_minus(days_late + 30),
                        due_date=today_minus(days_late))


def paid_invoice(client: Client, *, days_late: int):
    """Paid today, `days_late` days after its due date (negative: early)."""
    invoice = make_invoice(client, total="300.00", balance="0", status="paid",
                           issue_date=today_minus(days_late + 30),
                           due_date=today_minus(days_late))
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["paid_at"])
    return invoice


def overdue_requests(client: Client, count: int, *, days_overdue: int = 5) -> DocumentRequest:
    request = DocumentRequest.objects.create(client=client, title="Year-end documents")
    DocumentRequestItem.objects.bulk_create([
        DocumentRequestItem(request=request, label=f"Statement {n}",
                            due_date=today_minus(days_overdue)) for n in range(count)])
    return request


def reply_after(client: Client, *, days: float) -> Thread:
    """The firm writes `days` ago; the client answers now."""
    thread = Thread.objects.create(client=client, subject="Questions",
                                   last_message_at=timezone.now())
    asked = Message.objects.create(thread=thread, from_firm=True, body="Can you send it?")
    Message.objects.filter(pk=asked.pk).update(created_at=days_ago(days))
    Message.objects.create(thread=thread, from_firm=False, body="Here it is.")
    return thread


def idle_since(client: Client, days: int) -> None:
    Client.objects.filter(pk=client.pk).update(created_at=days_ago(days))


def ended_engagements(client: Client, count: int) -> None:
    for _ in range(count):
        engagement = make_engagement(client, status=Engagement.Status.COMPLETED,
                                     end_date=today_minus(10))
        Engagement.objects.filter(pk=engagement.pk).update(created_at=days_ago(200))


__all__ = ["Decimal", "make_client"]
