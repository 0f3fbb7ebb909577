"""Reads for the billing pages, the portal and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404

from apps.billing.models import Invoice, InvoiceLine, Payment, RecurringPlan, Refund

PAGE_SIZE = 50
LIST_FIELDS = ("id", "number", "status", "currency", "issue_date", "due_date", "total",
               "balance", "amount_refunded", "client_id", "client__business_name")


@dataclass(frozen=True)
class InvoiceListQuery:
    q: str = ""
    status: str = ""
    client: int | None = None
    page: int = 1


def invoice_list_queryset(query: InvoiceListQuery) -> QuerySet:
    qs = Invoice.objects.filter(client__deleted_at__isnull=True)
    if query.q:
        qs = qs.filter(Q(number__icontains=query.q)
                       | Q(client__business_name__icontains=query.q))
    if query.status == "open":
        qs = qs.filter(status__in=Invoice.OPEN_STATUSES)
    elif query.status:
        qs = qs.filter(status=query.status)
    if query.client is not None:
        qs = qs.filter(client_id=query.client)
    return qs.order_by("-issue_date", "-id").values(*LIST_FIELDS)


def invoice_list_page(query: InvoiceListQuery) -> Page:
    return Paginator(invoice_list_queryset(query), PAGE_SIZE).get_page(query.page)


@dataclass(frozen=True)
class InvoiceDetail:
    invoice: Invoice
    lines: list[InvoiceLine]
    payments: list[Payment]
    refunds: list[Refund]


def invoice_detail_get(invoice_id: int, *, client_id: int | None = None,
                       include_drafts: bool = True) -> InvoiceDetail:
    """An invoice of a live client with its lines, payments and refunds (4 queries); 404
    when it does not exist, is another client's (portal), or is a draft the client
    should not see."""
    qs = (Invoice.objects.filter(client__deleted_at__isnull=True)
          .select_related("client", "engagement"))
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if not include_drafts:
        qs = qs.exclude(status=Invoice.Status.DRAFT)
    invoice = qs.filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return InvoiceDetail(invoice=invoice, lines=list(invoice.lines.order_by("position")),
                         payments=list(invoice.payments.order_by("received_on", "id")),
                         refunds=list(invoice.refunds.order_by("created_at", "id")))


def payment_get(payment_id: int, *, invoice_id: int) -> Payment:
    payment = (Payment.objects.select_related("invoice")
               .filter(pk=payment_id, invoice_id=invoice_id).first())
    if payment is None:
        raise Http404("No such payment.")
    return payment


def recurring_plans(limit: int = 200) -> list[dict]:
    return list(RecurringPlan.objects.filter(client__deleted_at__isnull=True)
                .order_by("-active", "next_period_start", "id")
                .values("id", "client_id", "client__business_name", "frequency",
                        "description", "quantity", "unit_price", "tax_rate", "currency",
                        "next_period_start", "end_date", "active",
                        "periods_generated", "last_error", "last_error_at")[:limit])
