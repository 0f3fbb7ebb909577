"""Billing under real concurrency (threads, each its own connection, on a firm whose rows
are committed): two retries of one payment at the same moment make one payment and one
201 (the other answers 200 with the same payment); one refund key used at the same moment
on two invoices refunds once and answers the other with a field message; the commission
catch-ups skip an invoice another transaction holds instead of waiting or doubling."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.roles import Perm
from apps.billing.models import Invoice, Payment, Refund
from apps.billing.payments import payment_refund
from apps.firms.selectors import firm_host
from apps.ledger.models import RevenueShareEntry
from apps.ledger.services import (
    RECENT_GRACE_SECONDS,
    revenue_share_catch_up,
    revenue_share_catch_up_recent,
)
from apps.security.api_keys import api_key_create
from tests.billing.conftest import backends_waiting_on_locks, in_thread, wait_for
from tests.billing.factories import line, paid_invoice, sent_invoice
from tests.billing.test_commissions import pay_in_full
from tests.marketplace.factories import make_advisor, make_engagement
from tests.portal.factories import make_client

API = "/api/v1/billing"


def test_two_concurrent_retries_of_one_payment_record_one_and_answer_201_then_200(
        committed_firm, django_db_blocker):
    firm = committed_firm
    with django_db_blocker.unblock():
        with schema_context(firm.schema_name):
            invoice = sent_invoice(lines=[line(unit_price="300.00")])
        key = api_key_create(firm=firm, created_by=User.objects.get(
            email="owner@billing-race.test"), name="Payments",
            scopes=[Perm.PAYMENTS_RECORD, Perm.INVOICES_VIEW], expires_in_days=1).plaintext
        connection.set_schema_to_public()
        body = {"invoice": invoice.pk, "amount": "120.00", "method": "wire"}

        def pay() -> tuple[int, dict]:
            api = Client(HTTP_HOST=firm_host(firm.slug), HTTP_AUTHORIZATION=f"Api-Key {key}")
            answer = api.post(f"{API}/payments/", body, content_type="application/json",
                              HTTP_IDEMPOTENCY_KEY="race-payment-0001")
            return answer.status_code, answer.json()

        results: list = []
        errors: list = []
        # Hold the invoice's row lock: both requests get through their reads and then
        # queue on the lock, as two retries arriving together would.
        with transaction.atomic(), schema_context(firm.schema_name):
            Invoice.objects.select_for_update().get(pk=invoice.pk)
            threads = [in_thread(firm, pay, results, errors) for _ in range(2)]
            wait_for(lambda: backends_waiting_on_locks('SELECT "billing_invoice".%') == 2,
                     "both requests to wait on the invoice")
        for thread in threads:
            thread.join(timeout=60)
        with schema_context(firm.schema_name):
            payments = list(Payment.objects.filter(invoice_id=invoice.pk))
            balance = Invoice.objects.get(pk=invoice.pk).balance

    assert errors == []
    assert sorted(status for status, _ in results) == [200, 201]
    assert results[0][1] == results[1][1]  # the replay answers with the first's payment
    assert [p.pk for p in payments] == [results[0][1]["id"]]
    assert balance == Decimal("180.00")


def test_one_refund_key_at_once_on_two_invoices_refunds_once_and_names_the_field(
        committed_firm, django_db_blocker):
    firm = committed_firm
    with django_db_blocker.unblock():
        with schema_context(firm.schema_name):
            first = paid_invoice(lines=[line(unit_price="100.00")]).payments.get()
            second = paid_invoice(lines=[line(unit_price="100.00")]).payments.get()
        connection.set_schema_to_public()
        refunded, hold = threading.Event(), threading.Event()

        def refund_first_and_hold_the_transaction() -> int:
            with transaction.atomic():
                refund = payment_refund(payment=first, amount=Decimal("10.00"),
                                        reason="Goodwill", idempotency_key="race-refund-1")
                refunded.set()
                hold.wait(timeout=30)
            return refund.pk

        def refund_second() -> int:
            return payment_refund(payment=second, amount=Decimal("10.00"), reason="Goodwill",
                                  idempotency_key="race-refund-1").pk

        first_results: list = []
        first_errors: list = []
        second_results: list = []
        second_errors: list = []
        holder = in_thread(firm, refund_first_and_hold_the_transaction, first_results,
                           first_errors)
        wait_for(refunded.is_set, "the first refund")
        other = in_thread(firm, refund_second, second_results, second_errors)
        wait_for(lambda: backends_waiting_on_locks('INSERT INTO "billing_refund"%') == 1,
                 "the second refund to wait on the first's key")
        hold.set()
        holder.join(timeout=60)
        other.join(timeout=60)
        with schema_context(firm.schema_name):
            refunds = list(Refund.objects.values_list("payment_id", "amount"))
            second_invoice = Invoice.objects.get(pk=second.invoice_id)

    assert first_errors == [] and len(first_results) == 1
    assert second_results == []
    assert [type(e) for e in second_errors] == [ValidationError]
    assert second_errors[0].message_dict == {
        "idempotency_key": ["This key was already used for a different refund; send a new "
                            "key."]}
    assert refunds == [(first.pk, Decimal("10.00"))]
    assert second_invoice.amount_refunded == Decimal("0.00")


def test_a_catch_up_skips_an_invoice_another_transaction_holds(committed_firm,
                                                               django_db_blocker):
    """The after-commit task (or a refund) holds the invoice: the catch-up neither waits
    for it nor records anything for it; once released, the next run records it once."""
    firm = committed_firm
    with django_db_blocker.unblock():
        advisor = make_advisor(embed=False)
        with schema_context(firm.schema_name):
            client = make_client()
            engagement = make_engagement(
                firm=firm, advisor=advisor, status="active", client_id=client.pk,
                requested_by=User.objects.get(email="owner@billing-race.test"))
            invoice = pay_in_full(sent_invoice_for(client, engagement.pk))
            Invoice.objects.filter(pk=invoice.pk).update(
                updated_at=timezone.now() - timedelta(seconds=RECENT_GRACE_SECONDS + 5))
        try:
            results: list = []
            errors: list = []
            with transaction.atomic(), schema_context(firm.schema_name):
                Invoice.objects.select_for_update().get(pk=invoice.pk)
                in_thread(firm, revenue_share_catch_up_recent, results, errors).join(30)
                in_thread(firm, revenue_share_catch_up, results, errors).join(30)
            in_thread(firm, revenue_share_catch_up_recent, results, errors).join(30)
            in_thread(firm, revenue_share_catch_up, results, errors).join(30)
            booked = RevenueShareEntry.objects.filter(firm_id=firm.pk,
                                                      invoice_id=invoice.pk).count()
        finally:
            connection.set_schema_to_public()
            RevenueShareEntry.objects.filter(firm_id=firm.pk).delete()
            engagement.delete()
            user = advisor.user
            advisor.delete()
            user.delete()

    assert errors == []
    assert results == [0, 0, 1, 0]
    assert booked == 1


def sent_invoice_for(client, engagement_id: int) -> Invoice:
    return sent_invoice(client, marketplace_engagement_id=engagement_id,
                        lines=[line("CFO advisory", "1", "400.00")])


@pytest.mark.django_db
def test_a_refund_key_reused_later_on_another_invoice_names_the_field(in_firm_a):
    """The sequential case (the key's first refund already committed). Also makes this
    module set the test database up when run alone (pytest-django sets up databases only
    for modules with a django_db test)."""
    first = paid_invoice(lines=[line(unit_price="100.00")]).payments.get()
    second = paid_invoice(lines=[line(unit_price="100.00")]).payments.get()
    payment_refund(payment=first, amount=Decimal("5.00"), reason="Credit",
                   idempotency_key="reused-refund-1")

    with pytest.raises(ValidationError) as reused:
        payment_refund(payment=second, amount=Decimal("5.00"), reason="Credit",
                       idempotency_key="reused-refund-1")

    assert "idempotency_key" in reused.value.message_dict
    assert not Refund.objects.filter(payment=second).exists()
