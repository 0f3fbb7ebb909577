"""Writes on invoices: create (numbered without gaps), send, void, mark overdue.

Payments and refunds are in apps/billing/payments.py, recurring plans in recurring.py,
the platform's commission in apps/ledger/services.py. Every status change goes through
`_move`, which knows the only valid transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.billing.invoice_insert import invoice_insert_numbered
from apps.billing.models import TERMS_DAYS, Invoice, InvoiceLine, PaymentTerms, RecurringPlan
from apps.billing.money import MAX_AMOUNT, InvoiceTotals, invoice_totals, line_amounts
from apps.billing.validation import (
    QUANTITY_MAX,
    clean_choice,
    clean_currency,
    clean_date,
    clean_decimal,
    clean_money,
    clean_text,
)
from apps.marketplace.models import MarketplaceEngagement
from apps.people.events import announce
from apps.portal.dashboard import dashboard_note_client_change
from apps.portal.models import Client, Engagement
from apps.portal.selectors import current_firm

S = Invoice.Status
# The only status changes there are. Payments move an open invoice to partially paid or
# paid; the overdue job moves it to overdue; voiding a paid invoice refunds it first.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SENT, S.VOID}),
    S.SENT: frozenset({S.PARTIALLY_PAID, S.PAID, S.OVERDUE, S.VOID}),
    S.PARTIALLY_PAID: frozenset({S.PAID, S.OVERDUE, S.VOID}),
    S.OVERDUE: frozenset({S.PAID, S.VOID}),
    S.PAID: frozenset({S.VOID}),
    S.VOID: frozenset(),
}
MAX_LINES = 100
# A tax rate is a fraction: a percentage with three decimals (8.875 %) has five places.
TAX_RATE_PLACES = 5
LIVE_MARKETPLACE_STATUSES = ("accepted", "active", "completed")


def transition_allowed(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def _move(invoice: Invoice, new: str) -> None:
    if not transition_allowed(invoice.status, new):
        raise ValidationError({"status": (
            f"A {invoice.get_status_display().lower()} invoice cannot become "
            f"{S(new).label.lower() if new in S.values else repr(new)}.")})
    invoice.status = new


def invoice_snapshot(invoice: Invoice) -> dict[str, Any]:
    """What the audit trail keeps before and after a change."""
    return {"status": invoice.status, "total": str(invoice.total),
            "balance": str(invoice.balance), "amount_refunded": str(invoice.amount_refunded)}


def invoice_audit(*, invoice: Invoice, change: str, before: dict | None, request=None,
                  actor=None, **extra) -> None:
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                 target=invoice, details={"change": change, "number": invoice.number,
                                          "before": before, "after": invoice_snapshot(invoice),
                                          **extra})


# The year's counter row, incremented in place: the row lock is held until the creating
# transaction ends, so two creations never get one number, and a rolled-back creation
# gives its number back: issued numbers have neither duplicates nor gaps.
_NUMBER_UPSERT = (
    "INSERT INTO billing_invoicenumbersequence (year, last_value) VALUES (%(year)s, 1) "
    "ON CONFLICT (year) DO UPDATE SET "
    "last_value = billing_invoicenumbersequence.last_value + 1 RETURNING last_value")


def invoice_number_next(issue_date: date) -> str:
    """The next number of the issue year, e.g. 2026-00042 (invoice_create takes it in the
    same statement as it inserts the invoice)."""
    with connection.cursor() as cursor:
        cursor.execute(_NUMBER_UPSERT, {"year": issue_date.year})
        value = cursor.fetchone()[0]
    return f"{issue_date.year}-{value:05d}"


@dataclass(frozen=True)
class CleanLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal


def clean_lines(raw_lines: Any, errors: dict) -> list[CleanLine]:
    """Lines as dicts (description, quantity, unit_price, tax_rate); messages keyed
    `lines.<n>.<field>` so a form or the API can point at the row."""
    if not isinstance(raw_lines, list | tuple) or not raw_lines:
        errors["lines"] = "Add at least one line."
        return []
    if len(raw_lines) > MAX_LINES:
        errors["lines"] = f"An invoice has at most {MAX_LINES} lines."
        return []
    lines: list[CleanLine] = []
    for index, raw in enumerate(raw_lines):
        if not isinstance(raw, dict):
            errors[f"lines.{index}"] = "Each line needs a description, quantity and price."
            continue
        line_errors: dict[str, str] = {}
        description = clean_text(raw.get("description"), "description", line_errors,
                                 max_length=500, required=True)
        quantity = clean_decimal(raw.get("quantity", "1"), "quantity", line_errors, places=4,
                                 minimum=Decimal(0), maximum=QUANTITY_MAX,
                                 allow_minimum=False, label="quantity")
        unit_price = clean_money(raw.get("unit_price"), "unit_price", line_errors,
                                 positive=False, label="unit price")
        tax_rate = clean_decimal(raw.get("tax_rate", "0"), "tax_rate", line_errors,
                                 places=TAX_RATE_PLACES,
                                 minimum=Decimal(0), maximum=Decimal(1), label="tax rate")
        for field, message in line_errors.items():
            errors[f"lines.{index}.{field}"] = message
        if not line_errors:
            lines.append(CleanLine(description, quantity, unit_price, tax_rate))
    return lines


def _marketplace_engagement_check(engagement_id: Any, client_id: int, errors: dict
                                  ) -> int | None:
    if engagement_id in (None, ""):
        return None
    firm = current_firm()
    found = (MarketplaceEngagement.objects
             .filter(pk=engagement_id if isinstance(engagement_id, int) else -1, firm=firm)
             .values("client_id", "status").first())
    if found is None:
        errors["marketplace_engagement"] = "No such marketplace engagement in this firm."
    elif found["client_id"] != client_id:
        errors["marketplace_engagement"] = "That marketplace engagement is for another client."
    elif found["status"] not in LIVE_MARKETPLACE_STATUSES:
        errors["marketplace_engagement"] = ("Only an accepted, active or completed "
                                            "marketplace engagement can be billed.")
    else:
        return engagement_id
    return None


def _invoice_checked(*, client_id: int, client_archived: bool, lines: Any,
                     issue_date: date | None,
                     payment_terms: Any, currency: Any, due_date: date | None,
                     engagement: Engagement | None, marketplace_engagement_id: Any,
                     notes: Any) -> tuple:
    """Every check invoice_create makes, without writing; raises ValidationError."""
    errors: dict[str, str] = {}
    issue_date = clean_date(issue_date or timezone.localdate(), "issue_date", errors)
    payment_terms = clean_choice(payment_terms, "payment_terms", errors, PaymentTerms,
                                 label="payment terms")
    currency = clean_currency(currency, errors)
    notes = clean_text(notes, "notes", errors, max_length=2000)
    clean = clean_lines(lines, errors)
    if client_archived:
        errors["client"] = "This client is archived."
    if engagement is not None and engagement.client_id != client_id:
        errors["engagement"] = "That engagement belongs to another client."
    mkt_id = _marketplace_engagement_check(marketplace_engagement_id, client_id, errors)
    if due_date is not None:
        due_date = clean_date(due_date, "due_date", errors)
    if issue_date and payment_terms and due_date is None and "due_date" not in errors:
        due_date = issue_date + timedelta(days=TERMS_DAYS[payment_terms])
    if issue_date and due_date and due_date < issue_date:
        errors["due_date"] = "The due date cannot be before the issue date."
    amounts = [line_amounts(quantity=line.quantity, unit_price=line.unit_price,
                            tax_rate=line.tax_rate) for line in clean]
    totals: InvoiceTotals = invoice_totals(amounts)
    if totals.total > MAX_AMOUNT:
        errors["lines"] = f"The invoice total cannot be more than {MAX_AMOUNT:,}."
    if errors:
        raise ValidationError(errors)
    return (issue_date, payment_terms, currency, notes, clean, mkt_id, due_date, amounts,
            totals)


def invoice_validate(*, client: Client, lines: Any, issue_date: date | None = None,
                     payment_terms: Any = PaymentTerms.NET_30, currency: Any = "USD",
                     due_date: date | None = None, engagement: Engagement | None = None,
                     marketplace_engagement_id: Any = None, notes: Any = "") -> None:
    """The checks of invoice_create (forms run them in clean() to show field errors)."""
    _invoice_checked(client_id=client.pk, client_archived=client.deleted_at is not None,
                     lines=lines, issue_date=issue_date,
                     payment_terms=payment_terms, currency=currency, due_date=due_date,
                     engagement=engagement,
                     marketplace_engagement_id=marketplace_engagement_id, notes=notes)


@dataclass(frozen=True)
class InvoiceCreated:
    invoice: Invoice
    lines: list[InvoiceLine]  # as stored, with their ids: callers need not read them back


def invoice_create(*, client: Client, lines: list[dict], issue_date: date | None = None,
                   payment_terms: str = PaymentTerms.NET_30, currency: str = "USD",
                   due_date: date | None = None, engagement: Engagement | None = None,
                   marketplace_engagement_id: int | None = None, notes: str = "",
                   created_by=None, request: HttpRequest | None = None,
                   recurring_plan: RecurringPlan | None = None,
                   period_start: date | None = None) -> Invoice:
    """A draft invoice with its lines and totals, numbered in its issue year."""
    created = _invoice_create(
        client_id=client.pk, client_archived=client.deleted_at is not None, lines=lines,
        issue_date=issue_date, payment_terms=payment_terms, currency=currency,
        due_date=due_date, engagement=engagement,
        marketplace_engagement_id=marketplace_engagement_id, notes=notes,
        created_by=created_by, request=request, recurring_plan=recurring_plan,
        period_start=period_start)
    created.invoice.client = client
    return created.invoice


def invoice_create_with_lines(*, client_id: int, lines: list[dict],
                              issue_date: date | None = None,
                              payment_terms: str = PaymentTerms.NET_30, currency: str = "USD",
                              engagement: Engagement | None = None,
                              marketplace_engagement_id: int | None = None, notes: str = "",
                              created_by=None, request: HttpRequest | None = None
                              ) -> InvoiceCreated:
    """invoice_create for a client known by id (the API's hot path), returning the stored
    lines too: a client that does not exist or is archived is refused by the statement
    that writes the invoice, so the caller need not read the client first."""
    return _invoice_create(
        client_id=client_id, client_archived=False, lines=lines, issue_date=issue_date,
        payment_terms=payment_terms, currency=currency, due_date=None, engagement=engagement,
        marketplace_engagement_id=marketplace_engagement_id, notes=notes,
        created_by=created_by, request=request, recurring_plan=None, period_start=None)


@transaction.atomic
def _invoice_create(*, client_id: int, client_archived: bool, lines: Any,
                    issue_date: date | None, payment_terms: Any, currency: Any,
                    due_date: date | None, engagement: Engagement | None,
                    marketplace_engagement_id: Any, notes: Any, created_by,
                    request: HttpRequest | None, recurring_plan: RecurringPlan | None,
                    period_start: date | None) -> InvoiceCreated:
    """The number, the invoice and its lines are written by one statement
    (apps/billing/invoice_insert.py), and nothing is read back: what was written is
    known here. With the audit event, that is the whole of an invoice creation."""
    (issue_date, payment_terms, currency, notes, clean, mkt_id, due_date, amounts,
     totals) = _invoice_checked(
        client_id=client_id, client_archived=client_archived, lines=lines,
        issue_date=issue_date, payment_terms=payment_terms, currency=currency,
        due_date=due_date, engagement=engagement,
        marketplace_engagement_id=marketplace_engagement_id, notes=notes)

    invoice = Invoice(
        client_id=client_id, engagement=engagement, marketplace_engagement_id=mkt_id,
        status=S.DRAFT, currency=currency, payment_terms=payment_terms,
        issue_date=issue_date, due_date=due_date, total=totals.total,
        tax_total=totals.tax_total, balance=totals.total, notes=notes,
        recurring_plan=recurring_plan, period_start=period_start,
        created_by_id=getattr(created_by, "pk", None))
    stored_lines = [
        InvoiceLine(invoice=invoice, position=position, description=line.description,
                    quantity=line.quantity, unit_price=line.unit_price,
                    tax_rate=line.tax_rate, amount=amount.amount,
                    tax_amount=amount.tax_amount)
        for position, (line, amount) in enumerate(zip(clean, amounts, strict=True), start=1)]
    if not invoice_insert_numbered(invoice=invoice, lines=stored_lines,
                                   sequence_sql=_NUMBER_UPSERT):
        raise ValidationError({"client": "No such client, or the client is archived."})
    invoice_audit(invoice=invoice, change="created", before=None, request=request,
                  actor=created_by)
    dashboard_note_client_change(client_id)
    return InvoiceCreated(invoice=invoice, lines=stored_lines)


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)


@transaction.atomic
def invoice_send(*, invoice: Invoice, actor=None, request: HttpRequest | None = None
                 ) -> Invoice:
    """Issue a draft: it becomes owed, and the client's contact is told where to see it."""
    invoice = _locked(invoice)
    before = invoice_snapshot(invoice)
    _move(invoice, S.SENT)
    if invoice.total <= 0:
        raise ValidationError({"lines": "An invoice with nothing to pay cannot be sent."})
    invoice.sent_at = timezone.now()
    invoice.save(update_fields=["status", "sent_at", "updated_at"])
    invoice_audit(invoice=invoice, change="sent", before=before, request=request, actor=actor)
    announce("invoice_sent", invoice.pk)  # the client's portal users, after commit
    dashboard_note_client_change(invoice.client_id)
    email = invoice.client.contact_email
    if email:
        firm_name = current_firm().name
        # After commit: a rolled-back send must not have told anyone.
        transaction.on_commit(lambda: send_mail(
            f"Invoice {invoice.number} from {firm_name}",
            f"Invoice {invoice.number} for {invoice.total} {invoice.currency} is due on "
            f"{invoice.due_date:%B %-d, %Y}. Sign in to your portal to see and download it.",
            None, [email], fail_silently=True))
    return invoice


@transaction.atomic
def invoice_void(*, invoice: Invoice, reason: str, actor=None,
                 request: HttpRequest | None = None) -> Invoice:
    """Cancel an invoice. Money already collected on it is refunded first (the refunds
    reverse the platform's commission); nothing is owed afterwards."""
    from apps.billing.payments import invoice_refund_all
    from apps.ledger.services import revenue_share_enqueue

    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, max_length=500, required=True)
    if errors:
        raise ValidationError(errors)
    invoice = _locked(invoice)
    before = invoice_snapshot(invoice)
    if not transition_allowed(invoice.status, S.VOID):
        _move(invoice, S.VOID)
    refunded = invoice_refund_all(invoice=invoice, reason=f"Invoice voided: {reason}",
                                  actor=actor)
    invoice.refresh_from_db()
    _move(invoice, S.VOID)
    invoice.balance = Decimal("0.00")
    invoice.voided_at = timezone.now()
    invoice.void_reason = reason
    invoice.save(update_fields=["status", "balance", "voided_at", "void_reason",
                                "updated_at"])
    invoice_audit(invoice=invoice, change="voided", before=before, request=request,
                  actor=actor, reason=reason, refunded=str(refunded))
    dashboard_note_client_change(invoice.client_id)
    if invoice.paid_at is not None and invoice.marketplace_engagement_id:
        revenue_share_enqueue(invoice_id=invoice.pk)
    return invoice


OVERDUE_BATCH = 500


def invoices_mark_overdue(*, today: date | None = None, batch_size: int = OVERDUE_BATCH) -> int:
    """Open invoices past their due date become overdue, through the state machine and
    with an audit event each, in batches (one transaction, one UPDATE per batch). Safe to
    repeat and to run beside payments: an invoice locked by one is left for the next run."""
    today = today or timezone.localdate()
    marked = 0
    while True:
        done = _overdue_batch(today=today, batch_size=batch_size)
        marked += done
        if done < batch_size:
            return marked


@transaction.atomic
def _overdue_batch(*, today: date, batch_size: int) -> int:
    invoices = list(Invoice.objects.select_for_update(skip_locked=True)
                    .filter(status__in=(S.SENT, S.PARTIALLY_PAID), due_date__lt=today)
                    .only("id", "client_id", "number", "status", "due_date", "total",
                          "balance", "amount_refunded")
                    .order_by("id")[:batch_size])
    if not invoices:
        return 0
    now = timezone.now()
    befores = {}
    for invoice in invoices:
        befores[invoice.pk] = invoice_snapshot(invoice)
        _move(invoice, S.OVERDUE)
        invoice.updated_at = now
    # Every invoice of the batch moves to the same status: one UPDATE for all of them.
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(status=S.OVERDUE,
                                                                   updated_at=now)
    for invoice in invoices:
        invoice_audit(invoice=invoice, change="overdue", before=befores[invoice.pk],
                      due_date=str(invoice.due_date))
    for client_id in {invoice.client_id for invoice in invoices}:
        dashboard_note_client_change(client_id)
    return len(invoices)
