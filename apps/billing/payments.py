"""Payments and refunds. Each locks the invoice row first, so two payments at once never
both see the old balance, and a retried request with the same idempotency key finds the
payment it already made instead of recording (or charging) a second one. Online payments
(intent, charge, confirm, reconcile) are in apps/billing/online.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.billing.models import Invoice, Payment, Refund
from apps.billing.providers import payment_provider_get
from apps.billing.services import S, _locked, _move, invoice_audit, invoice_snapshot
from apps.billing.validation import (
    clean_choice,
    clean_date,
    clean_idempotency_key,
    clean_money,
    clean_text,
)
from apps.firms.models import Firm
from apps.people.events import announce
from apps.portal.dashboard import dashboard_note_client_change
from apps.portal.selectors import current_firm

ONLINE_PAYMENTS_DISABLED = ("Online payment is not available for this firm; pay by another "
                            "method or contact the firm.")
PAYMENT_KEY_REUSED = "This key was already used for a different payment; send a new key."
REFUND_KEY_REUSED = "This key was already used for a different refund; send a new key."


@dataclass(frozen=True)
class PaymentRecorded:
    payment: Payment
    # True when an earlier request with the same idempotency key made this payment (the
    # API answers 200 then, 201 for a new one). Decided under the invoice lock, so of
    # two concurrent retries exactly one is new.
    replayed: bool


def _refuse_unpayable(invoice: Invoice, amount: Decimal) -> None:
    if invoice.status == S.VOID:
        raise ValidationError({"invoice": "This invoice is void; it takes no payment."})
    if invoice.status == S.DRAFT:
        raise ValidationError({"invoice": "This invoice is a draft; send it before it "
                                          "takes a payment."})
    if invoice.status == S.PAID:
        raise ValidationError({"invoice": "This invoice is already paid in full."})
    if amount > invoice.balance:
        raise ValidationError({"amount": (
            f"That is more than is owed: the balance is {invoice.balance} "
            f"{invoice.currency}. Pay at most that.")})


def _replayed(invoice: Invoice, key: str | None, amount: Decimal) -> Payment | None:
    """The payment an earlier request with this key made, or None."""
    if key is None:
        return None
    earlier = Payment.objects.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if earlier.invoice_id != invoice.pk or earlier.amount != amount:
        raise ValidationError({"idempotency_key": PAYMENT_KEY_REUSED})
    return earlier


def payment_record(*, invoice: Invoice, amount: Any, method: str, received_on: date | None = None,
                   reference: str = "", recorded_by=None, idempotency_key: str | None = None,
                   provider: str = "", provider_charge_id: str = "",
                   request: HttpRequest | None = None) -> Payment:
    """Apply a full or partial payment: balance and status change in one transaction."""
    return payment_apply(
        invoice=invoice, amount=amount, method=method, received_on=received_on,
        reference=reference, recorded_by=recorded_by, idempotency_key=idempotency_key,
        provider=provider, provider_charge_id=provider_charge_id, request=request).payment


@transaction.atomic
def payment_apply(*, invoice: Invoice, amount: Any, method: str, received_on: date | None = None,
                  reference: str = "", recorded_by=None, idempotency_key: str | None = None,
                  provider: str = "", provider_charge_id: str = "",
                  request: HttpRequest | None = None) -> PaymentRecorded:
    """payment_record, also saying whether the payment is a replay of an earlier request
    with the same idempotency key (what the API needs to answer 200 or 201)."""
    from apps.ledger.services import revenue_share_enqueue

    errors: dict[str, str] = {}
    amount = clean_money(amount, "amount", errors)
    method = clean_choice(method, "method", errors, Payment.Method, label="payment method")
    reference = clean_text(reference, "reference", errors, max_length=120)
    received_on = clean_date(received_on or timezone.localdate(), "received_on", errors)
    if received_on and received_on > timezone.localdate():
        errors["received_on"] = "A payment cannot be received in the future."
    key = clean_idempotency_key(idempotency_key, errors, required=False)
    if errors:
        raise ValidationError(errors)

    invoice = _locked(invoice)
    earlier = _replayed(invoice, key, amount)
    if earlier is not None:
        return PaymentRecorded(payment=earlier, replayed=True)
    _refuse_unpayable(invoice, amount)
    before = invoice_snapshot(invoice)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                invoice=invoice, amount=amount, method=method, reference=reference,
                received_on=received_on, idempotency_key=key, provider=provider,
                provider_charge_id=provider_charge_id,
                recorded_by_id=getattr(recorded_by, "pk", None))
    except IntegrityError as exc:
        # The same key, used at this moment for a payment on another invoice.
        raise ValidationError({"idempotency_key": PAYMENT_KEY_REUSED}) from exc
    invoice.balance -= amount
    fields = ["balance", "status", "updated_at"]
    if invoice.balance == 0:
        _move(invoice, S.PAID)
        invoice.paid_at = timezone.now()
        fields.append("paid_at")
        if invoice.marketplace_engagement_id:
            # The rate in force now, when the invoice is paid, is the one the ledger books.
            invoice.commission_rate = Firm.objects.values_list(
                "commission_rate", flat=True).get(pk=current_firm().pk)
            fields.append("commission_rate")
    elif invoice.status == S.SENT:
        _move(invoice, S.PARTIALLY_PAID)
    invoice.save(update_fields=fields)
    invoice_audit(invoice=invoice, change="payment_recorded", before=before, request=request,
                  actor=recorded_by, payment_id=payment.pk, amount=str(amount), method=method)
    dashboard_note_client_change(invoice.client_id)
    if invoice.status == S.PAID:
        announce("invoice_paid", invoice.pk)  # client users and staff, after commit
    if invoice.status == S.PAID and invoice.marketplace_engagement_id:
        # After commit, on a worker: the commission is recorded exactly once there.
        revenue_share_enqueue(invoice_id=invoice.pk)
    return PaymentRecorded(payment=payment, replayed=False)


def _refund_apply(*, invoice: Invoice, payment: Payment, amount: Decimal, reason: str,
                  actor, key: str | None) -> Refund:
    # The row (and so its idempotency key) first: a key that another transaction is
    # using at this moment, on another invoice, waits for it and then fails here, before
    # the provider gives any money back.
    try:
        with transaction.atomic():
            refund = Refund.objects.create(payment=payment, invoice=invoice, amount=amount,
                                           reason=reason, idempotency_key=key,
                                           recorded_by_id=getattr(actor, "pk", None))
    except IntegrityError as exc:
        raise ValidationError({"idempotency_key": REFUND_KEY_REUSED}) from exc
    if payment.provider:
        refund.provider_refund_id = payment_provider_get().refund(
            charge_id=payment.provider_charge_id, amount=amount,
            idempotency_key=key or f"refund:{payment.pk}:{payment.amount_refunded + amount}")
        refund.save(update_fields=["provider_refund_id"])
    payment.amount_refunded += amount
    payment.save(update_fields=["amount_refunded"])
    invoice.amount_refunded += amount
    invoice.save(update_fields=["amount_refunded", "updated_at"])
    return refund


@transaction.atomic
def payment_refund(*, payment: Payment, amount: Any, reason: str, recorded_by=None,
                   idempotency_key: str | None = None,
                   request: HttpRequest | None = None) -> Refund:
    """Give money back on a payment. The invoice's balance does not reopen (the refund is
    a credit); the platform's commission is reversed by a new ledger entry."""
    from apps.ledger.services import revenue_share_enqueue

    errors: dict[str, str] = {}
    amount = clean_money(amount, "amount", errors)
    reason = clean_text(reason, "reason", errors, max_length=500, required=True)
    key = clean_idempotency_key(idempotency_key, errors, required=False)
    if errors:
        raise ValidationError(errors)
    invoice = _locked(payment.invoice)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if key is not None:
        earlier = Refund.objects.filter(idempotency_key=key).first()
        if earlier is not None:
            if earlier.payment_id != payment.pk or earlier.amount != amount:
                raise ValidationError({"idempotency_key": REFUND_KEY_REUSED})
            return earlier
    if invoice.status == S.VOID:
        raise ValidationError({"invoice": "This invoice is void; its payments were "
                                          "refunded when it was voided."})
    refundable = payment.amount - payment.amount_refunded
    if amount > refundable:
        raise ValidationError({"amount": f"At most {refundable} {invoice.currency} of this "
                                         "payment can still be refunded."})
    before = invoice_snapshot(invoice)
    refund = _refund_apply(invoice=invoice, payment=payment, amount=amount, reason=reason,
                           actor=recorded_by, key=key)
    invoice_audit(invoice=invoice, change="refunded", before=before, request=request,
                  actor=recorded_by, payment_id=payment.pk, refund_id=refund.pk,
                  amount=str(amount), reason=reason)
    dashboard_note_client_change(invoice.client_id)
    if invoice.paid_at is not None and invoice.marketplace_engagement_id:
        revenue_share_enqueue(invoice_id=invoice.pk)
    return refund


def invoice_refund_all(*, invoice: Invoice, reason: str, actor=None) -> Decimal:
    """Refund what is left of every payment (voiding an invoice); the caller holds the
    invoice lock. Returns the amount refunded."""
    total = Decimal("0.00")
    for payment in Payment.objects.select_for_update().filter(invoice=invoice).order_by("id"):
        left = payment.amount - payment.amount_refunded
        if left > 0:
            _refund_apply(invoice=invoice, payment=payment, amount=left, reason=reason[:500],
                          actor=actor, key=None)
            total += left
    return total
