"""Changing a draft invoice before it is sent: its header and all of its lines.

Only a draft can change (sent invoices are what the client was told they owe; they are
voided and re-issued instead). The checks are invoice_create's own, so an edit can never
store what a creation would refuse; the lines are replaced as a whole and the totals
recomputed from them, under the invoice's row lock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from apps.billing.models import Invoice, InvoiceLine, PaymentTerms
from apps.billing.services import _invoice_checked, invoice_audit, invoice_snapshot
from apps.portal.dashboard import dashboard_note_client_change
from apps.portal.models import Engagement


def _lines_snapshot(invoice: Invoice) -> list[dict[str, str]]:
    return [{"description": line.description, "quantity": str(line.quantity),
             "unit_price": str(line.unit_price), "tax_rate": str(line.tax_rate)}
            for line in invoice.lines.order_by("position")]


@transaction.atomic
def invoice_draft_update(*, invoice: Invoice, lines: list[dict], issue_date: date | None,
                         payment_terms: Any = PaymentTerms.NET_30, currency: Any = "USD",
                         engagement: Engagement | None = None,
                         marketplace_engagement_id: Any = None, notes: Any = "",
                         actor=None, request: HttpRequest | None = None) -> Invoice:
    """Replace a draft's header and lines; raises ValidationError (field messages, lines
    keyed `lines.<n>.<field>`) and changes nothing when anything is wrong."""
    invoice = (Invoice.objects.select_for_update().select_related("client")
               .get(pk=invoice.pk))
    if invoice.status != Invoice.Status.DRAFT:
        raise ValidationError({"status": (
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}: only a "
            "draft can be edited. Void it and issue a new one instead.")})
    (issue_date, payment_terms, currency, notes, clean, mkt_id, due_date, amounts,
     totals) = _invoice_checked(
        client_id=invoice.client_id, client_archived=invoice.client.deleted_at is not None,
        lines=lines, issue_date=issue_date, payment_terms=payment_terms, currency=currency,
        due_date=None, engagement=engagement,
        marketplace_engagement_id=marketplace_engagement_id, notes=notes)
    before = {**invoice_snapshot(invoice), "issue_date": str(invoice.issue_date),
              "due_date": str(invoice.due_date), "lines": _lines_snapshot(invoice)}

    invoice.issue_date, invoice.due_date = issue_date, due_date
    invoice.payment_terms, invoice.currency, invoice.notes = payment_terms, currency, notes
    invoice.engagement = engagement
    invoice.marketplace_engagement_id = mkt_id
    invoice.total = invoice.balance = totals.total
    invoice.tax_total = totals.tax_total
    invoice.save(update_fields=["issue_date", "due_date", "payment_terms", "currency",
                                "notes", "engagement", "marketplace_engagement", "total",
                                "balance", "tax_total", "updated_at"])
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=invoice, position=position, description=line.description,
                    quantity=line.quantity, unit_price=line.unit_price,
                    tax_rate=line.tax_rate, amount=amount.amount,
                    tax_amount=amount.tax_amount)
        for position, (line, amount) in enumerate(zip(clean, amounts, strict=True), start=1)])
    invoice_audit(invoice=invoice, change="edited", before=before, request=request,
                  actor=actor, issue_date=str(issue_date), due_date=str(due_date),
                  lines=_lines_snapshot(invoice))
    dashboard_note_client_change(invoice.client_id)
    return invoice
