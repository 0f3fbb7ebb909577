"""Writes on invoices (first shape: recording a payment against an open invoice)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.billing.models import Invoice
from apps.portal.dashboard import dashboard_note_client_change


@transaction.atomic
def invoice_payment_record(*, invoice: Invoice, amount: Decimal) -> Invoice:
    """Apply a payment; the invoice becomes paid when nothing is owed any more."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError({"amount": "Enter an amount of money."})
    # Lock the row: two payments at once must not both see the old balance.
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status not in Invoice.OPEN_STATUSES:
        raise ValidationError({"invoice": f"A {invoice.get_status_display().lower()} "
                                          "invoice takes no payment."})
    if amount <= 0:
        raise ValidationError({"amount": "A payment must be more than zero."})
    if amount.as_tuple().exponent < -2:
        raise ValidationError({"amount": "Use at most two decimal places."})
    if amount > invoice.balance:
        raise ValidationError({"amount": f"The balance is {invoice.balance}; "
                                         "pay at most that."})
    invoice.balance -= amount
    fields = ["balance", "updated_at"]
    if invoice.balance == 0:
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = timezone.now()
        fields += ["status", "paid_at"]
    invoice.save(update_fields=fields)
    dashboard_note_client_change(invoice.client_id)
    return invoice
