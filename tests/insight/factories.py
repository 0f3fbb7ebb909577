"""Invoice and payment histories made through the billing services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.billing.models import Invoice
from apps.billing.payments import payment_record
from apps.insight.selectors import current_month
from apps.portal.models import Client
from tests.billing.factories import line, sent_invoice


def months_back(count: int) -> list[date]:
    """The `count` complete months before this one, oldest first."""
    month = current_month()
    out = []
    for _ in range(count):
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        out.append(month)
    return out[::-1]


def monthly_history(client: Client, amounts: list[str], *, paid: bool = True,
                    currency: str = "USD") -> list[Invoice]:
    """One invoice a month (the latest amount last month), paid in full that month."""
    invoices = []
    for month, amount in zip(months_back(len(amounts)), amounts, strict=True):
        if Decimal(amount) == 0:
            continue
        invoice = sent_invoice(client, lines=[line(unit_price=amount)],
                               issue_date=month.replace(day=5), currency=currency)
        if paid:
            payment_record(invoice=invoice, amount=invoice.total, method="ach",
                           received_on=month.replace(day=20))
        invoices.append(invoice)
    return invoices
