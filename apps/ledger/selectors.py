"""Reads of the platform ledger: an advisor's payouts, the platform staff's ledger."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet, Sum

from apps.billing.money import ZERO
from apps.ledger.models import RevenueShareEntry

PAGE_SIZE = 50
ENTRY_FIELDS = ("id", "kind", "event_key", "firm_id", "firm__name", "invoice_number",
                "currency", "gross_amount", "commission_rate", "platform_fee",
                "advisor_payout", "payout_status", "paid_out_at", "created_at",
                "advisor_id", "advisor__user__full_name", "advisor__user__email",
                "marketplace_engagement__client_name")


def _totals(qs: QuerySet) -> list[dict]:
    """Money totals per currency (largest first); amounts of different currencies are
    never added together."""
    return list(qs.order_by().values("currency").annotate(
        gross=Sum("gross_amount", default=ZERO), fees=Sum("platform_fee", default=ZERO),
        payouts=Sum("advisor_payout", default=ZERO),
        pending=Sum("advisor_payout", filter=Q(payout_status="pending"), default=ZERO),
        paid=Sum("advisor_payout", filter=Q(payout_status="paid"), default=ZERO))
        .order_by("-gross", "currency"))


def advisor_payouts(advisor_id: int, page: int | str | None) -> tuple[Page, list[dict]]:
    qs = RevenueShareEntry.objects.filter(advisor_id=advisor_id)
    rows = qs.order_by("-created_at", "-id").values(*ENTRY_FIELDS)
    return Paginator(rows, PAGE_SIZE).get_page(page), _totals(qs)


def platform_ledger(*, payout_status: str = "", firm_id: int | None = None,
                    page: int | str | None = 1) -> tuple[Page, list[dict]]:
    qs = RevenueShareEntry.objects.all()
    if payout_status:
        qs = qs.filter(payout_status=payout_status)
    if firm_id is not None:
        qs = qs.filter(firm_id=firm_id)
    rows = qs.order_by("-created_at", "-id").values(*ENTRY_FIELDS)
    return Paginator(rows, PAGE_SIZE).get_page(page), _totals(qs)
