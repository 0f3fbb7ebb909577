"""Online payments: intent, charge, confirm, and the reconcile task for what falls between.

The provider is never called inside a transaction that holds the invoice: a payment
intent (pending) is recorded and committed first, the provider is called with the
intent's idempotency key, and a second transaction records the payment and marks the
intent succeeded. If anything fails after the charge (the database, the process), the
intent stays pending with the money taken; `payment_intents_reconcile` (beat, every
minute) asks the provider about it by the same key and records the payment exactly once,
or closes the intent as failed when no charge was made. A retried request with the same
key does the same: the provider answers a repeated key with the original charge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.billing.models import Invoice, Payment, PaymentIntent
from apps.billing.payments import (
    ONLINE_PAYMENTS_DISABLED,
    PAYMENT_KEY_REUSED,
    _refuse_unpayable,
    _replayed,
    payment_apply,
)
from apps.billing.providers import (
    Charge,
    PaymentDeclined,
    online_payments_enabled,
    payment_provider_get,
)
from apps.billing.services import _locked
from apps.billing.validation import clean_idempotency_key, clean_money, clean_text

logger = logging.getLogger(__name__)
IntentStatus = PaymentIntent.Status
# A pending intent younger than this may still have its request talking to the provider;
# the reconcile task leaves it alone (the provider call times out well before).
RECONCILE_AFTER_SECONDS = 60
NOT_CONFIRMED = ("The card processor did not confirm the payment. Nothing more is needed "
                 "from you: it is settled within a few minutes and shows on the invoice; "
                 "do not pay again.")


@dataclass(frozen=True)
class IntentOpened:
    intent: PaymentIntent | None
    payment: Payment | None  # set when the key already paid: nothing left to do


@transaction.atomic
def payment_intent_open(*, invoice: Invoice, amount: Decimal, key: str, payer=None
                        ) -> IntentOpened:
    """Lock the invoice, check it can take the payment and record a pending intent (or
    find the one this key opened before). Commits before the provider is called."""
    invoice = _locked(invoice)
    earlier = _replayed(invoice, key, amount)
    if earlier is not None:
        return IntentOpened(intent=None, payment=earlier)
    intent = PaymentIntent.objects.select_for_update().filter(idempotency_key=key).first()
    if intent is not None:
        if intent.invoice_id != invoice.pk or intent.amount != amount:
            raise ValidationError({"idempotency_key": PAYMENT_KEY_REUSED})
        if intent.status == IntentStatus.FAILED:
            raise ValidationError({"token": intent.failure_reason})
        if intent.status == IntentStatus.SUCCEEDED:
            return IntentOpened(intent=None, payment=intent.payment)
        return IntentOpened(intent=intent, payment=None)  # pending: charge again, same key
    _refuse_unpayable(invoice, amount)
    try:
        with transaction.atomic():
            intent = PaymentIntent.objects.create(
                invoice=invoice, amount=amount, currency=invoice.currency,
                idempotency_key=key, provider=payment_provider_get().name,
                payer_id=getattr(payer, "pk", None))
    except IntegrityError as exc:
        # The same key, opened at this moment for a payment on another invoice.
        raise ValidationError({"idempotency_key": PAYMENT_KEY_REUSED}) from exc
    return IntentOpened(intent=intent, payment=None)


@transaction.atomic
def payment_intent_fail(*, intent_id: int, reason: str) -> PaymentIntent:
    """Close a pending intent as failed (declined, or no charge was ever made)."""
    intent = PaymentIntent.objects.select_for_update().get(pk=intent_id)
    if intent.status == IntentStatus.PENDING:
        intent.status = IntentStatus.FAILED
        intent.failure_reason = reason[:300]
        intent.save(update_fields=["status", "failure_reason", "updated_at"])
    return intent


def _give_back(intent: PaymentIntent, charge: Charge, reason: str) -> None:
    """The charge went through but cannot be applied (the invoice was paid another way
    meanwhile, or the intent had been closed): return the money. Called under the
    invoice lock, unlike the charge, because the refund's key makes a repeat harmless:
    if the database fails after it, the next confirm refunds "again" to the same effect."""
    payment_provider_get().refund(charge_id=charge.id, amount=charge.amount,
                                  idempotency_key=f"intent-refund:{intent.idempotency_key}")
    logger.warning("online payment refunded: %s", reason,
                   extra={"intent_id": intent.pk, "invoice_id": intent.invoice_id})


def payment_intent_confirm(*, intent_id: int, charge: Charge, request: HttpRequest | None = None
                           ) -> Payment:
    """Record the payment of a charged intent (the second transaction). Safe to repeat
    and to race with the reconcile task: the invoice, then the intent, are locked and a
    succeeded intent returns its payment. A charge that cannot be applied is refunded,
    the intent closed with the reason (committed), and a ValidationError says why."""
    outcome = _intent_settle(intent_id=intent_id, charge=charge, request=request)
    if isinstance(outcome, str):
        raise ValidationError({"amount": outcome})
    return outcome


@transaction.atomic
def _intent_settle(*, intent_id: int, charge: Charge, request: HttpRequest | None
                   ) -> Payment | str:
    intent = PaymentIntent.objects.get(pk=intent_id)
    invoice = _locked(intent.invoice)
    intent = PaymentIntent.objects.select_for_update().get(pk=intent_id)
    if intent.status == IntentStatus.SUCCEEDED:
        return intent.payment
    if intent.status == IntentStatus.FAILED:
        _give_back(intent, charge, "charged after the intent was closed")
        return intent.failure_reason
    try:
        if charge.amount != intent.amount or charge.currency != intent.currency:
            raise ValidationError("The card processor charged a different amount.")
        recorded = payment_apply(
            invoice=invoice, amount=intent.amount, method=Payment.Method.CARD,
            reference=f"Online payment {charge.id}", recorded_by=intent.payer,
            idempotency_key=intent.idempotency_key, provider=intent.provider,
            provider_charge_id=charge.id, request=request)
    except ValidationError as exc:
        _give_back(intent, charge, "; ".join(exc.messages))
        intent.status = IntentStatus.FAILED
        intent.failure_reason = ("The payment could not be applied and was refunded: "
                                 + " ".join(exc.messages))[:300]
        intent.save(update_fields=["status", "failure_reason", "updated_at"])
        return intent.failure_reason
    intent.status = IntentStatus.SUCCEEDED
    intent.payment = recorded.payment
    intent.provider_charge_id = charge.id
    intent.save(update_fields=["status", "payment", "provider_charge_id", "updated_at"])
    return recorded.payment


def invoice_pay_online(*, invoice: Invoice, amount: Any, token: str, idempotency_key: Any,
                       payer=None, request: HttpRequest | None = None) -> Payment:
    """Charge a card through the provider and record the payment, all under one
    idempotency key: a retried request neither charges nor records twice. Refused when
    online payments are not enabled (production with the fake provider): the fake takes
    no money, so an invoice must never become paid through it there. Call it outside any
    transaction (views are not atomic here): its own two transactions are the point."""
    if not online_payments_enabled():
        raise ValidationError(ONLINE_PAYMENTS_DISABLED)
    errors: dict[str, str] = {}
    key = clean_idempotency_key(idempotency_key, errors)
    amount = clean_money(amount, "amount", errors)
    token = clean_text(token, "token", errors, max_length=60, required=True)
    if errors:
        raise ValidationError(errors)
    opened = payment_intent_open(invoice=invoice, amount=amount, key=key, payer=payer)
    if opened.payment is not None:
        return opened.payment
    intent = opened.intent
    try:
        charge = payment_provider_get().charge(amount=amount, currency=intent.currency,
                                               token=token, idempotency_key=key)
    except PaymentDeclined as exc:
        payment_intent_fail(intent_id=intent.pk, reason=str(exc))
        raise ValidationError({"token": str(exc)}) from exc
    except Exception as exc:
        # The processor did not answer (a timeout, a network error): whether it charged
        # is unknown. The intent stays pending for the reconcile task to settle.
        logger.warning("payment provider call failed", exc_info=True,
                       extra={"intent_id": intent.pk})
        raise ValidationError({"token": NOT_CONFIRMED}) from exc
    return payment_intent_confirm(intent_id=intent.pk, charge=charge, request=request)


@dataclass(frozen=True)
class Reconciled:
    recorded: int  # pending intents whose charge was found and recorded
    failed: int  # pending intents the provider has no charge for, closed as failed
    errors: int  # intents that raised (left pending for the next run)


def payment_intents_reconcile(*, now: datetime | None = None,
                              older_than_seconds: int = RECONCILE_AFTER_SECONDS,
                              limit: int = 500) -> Reconciled:
    """Settle the current firm's intents left pending: ask the provider by idempotency
    key; record the payment when it charged, close the intent when it did not. One
    failing intent does not stop the others. Safe to run twice and beside requests."""
    now = now or timezone.now()
    pending = list(PaymentIntent.objects
                   .filter(status=IntentStatus.PENDING,
                           created_at__lt=now - timedelta(seconds=older_than_seconds))
                   .order_by("created_at").values_list("pk", "idempotency_key")[:limit])
    provider = payment_provider_get()
    recorded = failed = errors = 0
    for intent_id, key in pending:
        try:
            charge = provider.charge_lookup(idempotency_key=key)
            if charge is None:
                payment_intent_fail(intent_id=intent_id,
                                    reason="The card was not charged; nothing was taken.")
                failed += 1
            else:
                payment_intent_confirm(intent_id=intent_id, charge=charge)
                recorded += 1
        except ValidationError:
            failed += 1  # applied nowhere and refunded; the intent says why
        except Exception:
            logger.exception("payment intent reconcile failed", extra={"intent_id": intent_id})
            errors += 1
    return Reconciled(recorded=recorded, failed=failed, errors=errors)
