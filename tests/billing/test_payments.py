"""Payments and refunds: full and partial, refused over-payments, idempotency keys that
keep a retried request from recording or charging twice, audit of every change."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.audit.models import AuditAction, AuditEvent
from apps.billing.models import Invoice, Payment
from apps.billing.online import invoice_pay_online
from apps.billing.payments import payment_record, payment_refund
from apps.billing.providers import FakeProvider
from tests.billing.factories import line, paid_invoice, sent_invoice

pytestmark = pytest.mark.django_db
S = Invoice.Status


def test_partial_then_full_payment_moves_balance_and_status(in_firm_a):
    invoice = sent_invoice(lines=[line(unit_price="300.00")])

    payment_record(invoice=invoice, amount=Decimal("100.00"), method="check", reference="#12")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.paid_at) == (
        S.PARTIALLY_PAID, Decimal("200.00"), None)

    payment_record(invoice=invoice, amount=Decimal("200.00"), method="ach")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (S.PAID, Decimal("0.00"))
    assert invoice.paid_at is not None
    changes = AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED,
                                        target_id=str(invoice.pk),
                                        details__change="payment_recorded")
    assert [e.details["after"]["status"] for e in changes.order_by("id")] == [
        "partially_paid", "paid"]
    assert changes.order_by("id").first().details["before"]["balance"] == "300.00"


def test_an_over_payment_is_refused_with_the_balance_and_nothing_changes(in_firm_a):
    invoice = sent_invoice(lines=[line(unit_price="100.00")])

    with pytest.raises(ValidationError) as refused:
        payment_record(invoice=invoice, amount=Decimal("100.01"), method="ach")

    assert "balance is 100.00 USD" in refused.value.message_dict["amount"][0]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (S.SENT, Decimal("100.00"))
    assert not Payment.objects.exists()


@pytest.mark.parametrize(("amount", "method", "field"), [
    ("-5.00", "ach", "amount"), ("0", "ach", "amount"), ("1.001", "ach", "amount"),
    ("1e12", "ach", "amount"), ("abc", "ach", "amount"), ("5.00", "bitcoin", "method"),
    ("5.00", "ach\x00", "method")])
def test_bad_payments_are_refused_with_the_field_named(in_firm_a, amount, method, field):
    invoice = sent_invoice()

    with pytest.raises(ValidationError) as refused:
        payment_record(invoice=invoice, amount=amount, method=method)

    assert field in refused.value.message_dict
    assert not Payment.objects.exists()


def test_a_payment_received_in_the_future_is_refused(in_firm_a):
    with pytest.raises(ValidationError) as refused:
        payment_record(invoice=sent_invoice(), amount=Decimal("1.00"), method="ach",
                       received_on=timezone.localdate() + timedelta(days=2))

    assert "received_on" in refused.value.message_dict


def test_a_retried_payment_with_the_same_key_is_recorded_once(in_firm_a):
    invoice = sent_invoice(lines=[line(unit_price="100.00")])
    key = "retry-key-0001"

    first = payment_record(invoice=invoice, amount=Decimal("40.00"), method="ach",
                           idempotency_key=key)
    again = payment_record(invoice=invoice, amount=Decimal("40.00"), method="ach",
                           idempotency_key=key)

    assert again.pk == first.pk
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("60.00")
    with pytest.raises(ValidationError) as reused:
        payment_record(invoice=invoice, amount=Decimal("10.00"), method="ach",
                       idempotency_key=key)
    assert "idempotency_key" in reused.value.message_dict


def test_online_payment_charges_once_however_often_it_is_retried(in_firm_a):
    invoice = sent_invoice(lines=[line(unit_price="250.00")])
    charges_before = FakeProvider.charges_made()

    payments = [invoice_pay_online(invoice=invoice, amount=Decimal("250.00"), token="tok_visa",
                                   idempotency_key="portal-pay-abc123") for _ in range(3)]

    assert len({p.pk for p in payments}) == 1
    assert FakeProvider.charges_made() == charges_before + 1
    assert payments[0].provider == "fake" and payments[0].provider_charge_id.startswith("ch_")
    invoice.refresh_from_db()
    assert invoice.status == S.PAID


def test_a_declined_card_records_nothing(in_firm_a):
    invoice = sent_invoice()

    with pytest.raises(ValidationError) as declined:
        invoice_pay_online(invoice=invoice, amount=invoice.total, token="tok_declined",
                           idempotency_key="declined-key-1")

    assert declined.value.message_dict["token"] == ["The card was declined."]
    assert not Payment.objects.exists()


def test_online_payment_needs_a_proper_idempotency_key(in_firm_a):
    with pytest.raises(ValidationError) as refused:
        invoice_pay_online(invoice=sent_invoice(), amount=Decimal("1.00"), token="tok_visa",
                           idempotency_key="x\x00")

    assert "idempotency_key" in refused.value.message_dict


def test_refunds_are_credits_limited_to_what_was_paid(in_firm_a):
    invoice = paid_invoice(lines=[line(unit_price="100.00")])
    payment = invoice.payments.get()

    payment_refund(payment=payment, amount=Decimal("30.00"), reason="Goodwill credit")
    with pytest.raises(ValidationError) as too_much:
        payment_refund(payment=payment, amount=Decimal("70.01"), reason="More")
    with pytest.raises(ValidationError) as no_reason:
        payment_refund(payment=payment, amount=Decimal("1.00"), reason="  ")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.amount_refunded) == (
        S.PAID, Decimal("0.00"), Decimal("30.00"))
    assert invoice.amount_paid == Decimal("70.00")
    assert "At most 70.00 USD" in too_much.value.message_dict["amount"][0]
    assert "reason" in no_reason.value.message_dict


def test_an_overdue_invoice_stays_overdue_until_paid_in_full(in_firm_a):
    invoice = sent_invoice(issue_date=date(2025, 1, 1), lines=[line(unit_price="90.00")])
    Invoice.objects.filter(pk=invoice.pk).update(status=S.OVERDUE)

    payment_record(invoice=invoice, amount=Decimal("30.00"), method="ach")
    invoice.refresh_from_db()
    assert invoice.status == S.OVERDUE
    payment_record(invoice=invoice, amount=Decimal("60.00"), method="ach")
    invoice.refresh_from_db()
    assert invoice.status == S.PAID


def test_online_payment_is_refused_in_production_with_the_fake_provider(in_firm_a, settings):
    settings.IS_PROD = True
    settings.BILLING_PAYMENT_PROVIDER = "apps.billing.providers.FakeProvider"
    invoice = sent_invoice(lines=[line(unit_price="250.00")])
    charges_before = FakeProvider.charges_made()

    with pytest.raises(ValidationError) as refused:
        invoice_pay_online(invoice=invoice, amount=Decimal("250.00"), token="tok_visa",
                           idempotency_key="prod-fake-key-1")

    assert "Online payment is not available" in " ".join(refused.value.messages)
    assert not Payment.objects.exists()
    assert FakeProvider.charges_made() == charges_before
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (S.SENT, Decimal("250.00"))
