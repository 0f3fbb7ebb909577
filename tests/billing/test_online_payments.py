"""Online payments as intent, charge, confirm: the provider is called with nothing of the
invoice locked and the intent committed; a failure after the charge (the database, a
lost answer) leaves the intent pending, and the reconcile task records exactly one
payment by asking the provider; a charge that cannot be applied is refunded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing import online
from apps.billing.models import Invoice, Payment, PaymentIntent
from apps.billing.online import invoice_pay_online, payment_intents_reconcile
from apps.billing.payments import payment_record
from apps.billing.providers import FakeProvider, payment_provider_get
from tests.billing.conftest import in_thread
from tests.billing.factories import line, sent_invoice

S = Invoice.Status
I = PaymentIntent.Status  # noqa: E741


def reconcile_now() -> online.Reconciled:
    """The reconcile task's run, for intents of any age (the task leaves intents under a
    minute old to their own request)."""
    return payment_intents_reconcile(older_than_seconds=0)


def fail_once(monkeypatch, name: str, error: Exception) -> None:
    real = getattr(online, name)
    calls = {"n": 0}

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(online, name, failing)


@pytest.mark.django_db
def test_a_database_failure_after_the_charge_is_recorded_once_by_reconcile(in_firm_a,
                                                                          monkeypatch):
    invoice = sent_invoice(lines=[line(unit_price="250.00")])
    charges_before = FakeProvider.charges_made()
    # The charge succeeds, then the database fails while the payment is being recorded.
    fail_once(monkeypatch, "payment_apply", OperationalError("server closed the connection"))

    with pytest.raises(OperationalError):
        invoice_pay_online(invoice=invoice, amount=Decimal("250.00"), token="tok_visa",
                           idempotency_key="db-fails-after-charge-1")

    intent = PaymentIntent.objects.get(idempotency_key="db-fails-after-charge-1")
    assert (intent.status, intent.payment_id) == (I.PENDING, None)
    assert not Payment.objects.exists()
    assert FakeProvider.charges_made() == charges_before + 1  # the money was taken

    assert reconcile_now() == online.Reconciled(recorded=1, failed=0, errors=0)
    assert reconcile_now() == online.Reconciled(recorded=0, failed=0, errors=0)
    retried = invoice_pay_online(invoice=invoice, amount=Decimal("250.00"), token="tok_visa",
                                 idempotency_key="db-fails-after-charge-1")

    payment = Payment.objects.get()
    intent.refresh_from_db()
    invoice.refresh_from_db()
    assert retried.pk == payment.pk
    assert (intent.status, intent.payment_id) == (I.SUCCEEDED, payment.pk)
    assert (payment.amount, payment.method, payment.provider) == (
        Decimal("250.00"), "card", "fake")
    assert payment.provider_charge_id == intent.provider_charge_id != ""
    assert (invoice.status, invoice.balance) == (S.PAID, Decimal("0.00"))
    assert FakeProvider.charges_made() == charges_before + 1  # never charged twice


@pytest.mark.django_db
def test_a_charge_whose_answer_is_lost_is_recorded_by_reconcile(in_firm_a, monkeypatch):
    invoice = sent_invoice(lines=[line(unit_price="80.00")])
    provider = payment_provider_get()
    real_charge = provider.charge

    def charged_then_timed_out(**kwargs):
        real_charge(**kwargs)
        raise TimeoutError("read timed out")

    monkeypatch.setattr(provider, "charge", charged_then_timed_out)
    with pytest.raises(ValidationError) as unconfirmed:
        invoice_pay_online(invoice=invoice, amount=Decimal("80.00"), token="tok_visa",
                           idempotency_key="lost-answer-0001")
    monkeypatch.undo()

    assert unconfirmed.value.message_dict["token"] == [online.NOT_CONFIRMED]
    assert PaymentIntent.objects.get().status == I.PENDING
    assert payment_intents_reconcile() == online.Reconciled(0, 0, 0)  # too young yet
    assert reconcile_now() == online.Reconciled(recorded=1, failed=0, errors=0)
    assert Payment.objects.get().amount == Decimal("80.00")


@pytest.mark.django_db
def test_reconcile_closes_an_intent_the_provider_never_charged(in_firm_a, monkeypatch):
    invoice = sent_invoice()
    provider = payment_provider_get()

    def unreachable(**kwargs):
        raise ConnectionError("connection refused")

    monkeypatch.setattr(provider, "charge", unreachable)
    with pytest.raises(ValidationError):
        invoice_pay_online(invoice=invoice, amount=invoice.total, token="tok_visa",
                           idempotency_key="never-charged-01")
    monkeypatch.undo()

    assert reconcile_now() == online.Reconciled(recorded=0, failed=1, errors=0)
    intent = PaymentIntent.objects.get()
    assert intent.status == I.FAILED and "not charged" in intent.failure_reason
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == S.SENT


@pytest.mark.django_db
def test_a_declined_card_closes_the_intent_and_a_retry_repeats_the_answer(in_firm_a):
    invoice = sent_invoice()

    for _ in range(2):
        with pytest.raises(ValidationError) as declined:
            invoice_pay_online(invoice=invoice, amount=invoice.total, token="tok_declined",
                               idempotency_key="declined-intent-1")
        assert declined.value.message_dict["token"] == ["The card was declined."]

    assert PaymentIntent.objects.get().status == I.FAILED
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_charge_the_invoice_can_no_longer_take_is_refunded(in_firm_a, monkeypatch):
    """Paid by check while the card was being charged: the charge goes back."""
    invoice = sent_invoice(lines=[line(unit_price="60.00")])
    fail_once(monkeypatch, "payment_intent_confirm", OperationalError("connection lost"))
    with pytest.raises(OperationalError):
        invoice_pay_online(invoice=invoice, amount=Decimal("60.00"), token="tok_visa",
                           idempotency_key="paid-meanwhile-1")
    payment_record(invoice=invoice, amount=Decimal("60.00"), method="check")

    assert reconcile_now() == online.Reconciled(recorded=0, failed=1, errors=0)

    intent = PaymentIntent.objects.get()
    assert intent.status == I.FAILED and "refunded" in intent.failure_reason
    assert FakeProvider.refunds_made("intent-refund:paid-meanwhile-1")["amount"] == "60.00"
    assert list(Payment.objects.values_list("method", flat=True)) == ["check"]


def test_the_provider_is_called_with_the_intent_committed_and_the_invoice_unlocked(
        committed_firm, django_db_blocker, monkeypatch):
    """Seen from another connection while the charge is in flight: the pending intent is
    there (committed) and the invoice row can be locked at once (nothing holds it)."""
    firm = committed_firm
    seen: list = []
    errors: list = []
    with django_db_blocker.unblock():
        with schema_context(firm.schema_name):
            invoice = sent_invoice(lines=[line(unit_price="40.00")])
            provider = payment_provider_get()
            real_charge = provider.charge

            def look_from_outside() -> tuple[str, bool]:
                status = PaymentIntent.objects.get(idempotency_key="outside-look-1").status
                try:
                    with transaction.atomic():
                        Invoice.objects.select_for_update(nowait=True).get(pk=invoice.pk)
                except DatabaseError:
                    return status, False
                return status, True

            def charge_while_looking(**kwargs):
                in_thread(firm, look_from_outside, seen, errors).join(timeout=30)
                return real_charge(**kwargs)

            monkeypatch.setattr(provider, "charge", charge_while_looking)
            payment = invoice_pay_online(invoice=invoice, amount=Decimal("40.00"),
                                         token="tok_visa", idempotency_key="outside-look-1")
            paid_at = Invoice.objects.get(pk=invoice.pk).paid_at
        connection.set_schema_to_public()

    assert errors == []
    assert seen == [("pending", True)]
    assert payment.amount == Decimal("40.00") and paid_at is not None
    assert paid_at <= timezone.now()


@pytest.mark.django_db
def test_the_firm_admin_shows_an_invoices_lines_and_online_payment_attempts(in_firm_a):
    from apps.accounts.roles import Role

    invoice = sent_invoice()
    with pytest.raises(ValidationError):
        invoice_pay_online(invoice=invoice, amount=invoice.total, token="tok_declined",
                           idempotency_key="admin-shows-1")
    connection.set_schema_to_public()

    page = in_firm_a.client(Role.OWNER).get(f"/admin/billing/invoice/{invoice.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Online payment attempts" in html and "The card was declined." in html
    assert "Monthly bookkeeping" in html  # the lines inline shows too
