"""Query-string filters of the billing API: unknown choices, malformed ids and dates and
NUL bytes fail validation with a 400 naming the field."""

from __future__ import annotations

import django_filters as filters

from apps.billing.models import Currency, Invoice, Payment
from apps.ledger.models import RevenueShareEntry


def _id(field_name: str) -> filters.NumberFilter:
    return filters.NumberFilter(field_name=field_name, min_value=1, max_value=2**63 - 1,
                                decimal_places=0)


class InvoiceFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Invoice.Status.choices)
    currency = filters.ChoiceFilter(choices=Currency.choices)
    client = _id("client_id")
    engagement = _id("engagement_id")
    marketplace_engagement = _id("marketplace_engagement_id")
    number = filters.CharFilter(field_name="number", max_length=32)
    issued_after = filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issued_before = filters.DateFilter(field_name="issue_date", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Invoice
        fields: list[str] = []


class PaymentFilter(filters.FilterSet):
    invoice = _id("invoice_id")
    method = filters.ChoiceFilter(choices=Payment.Method.choices)
    received_after = filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_before = filters.DateFilter(field_name="received_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields: list[str] = []


class RevenueShareFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=RevenueShareEntry.Kind.choices)
    payout_status = filters.ChoiceFilter(choices=RevenueShareEntry.PayoutStatus.choices)
    invoice = _id("invoice_id")
    advisor = _id("advisor_id")

    class Meta:
        model = RevenueShareEntry
        fields: list[str] = []
