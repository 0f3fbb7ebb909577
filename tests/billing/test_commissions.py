"""The platform's revenue share: recorded once when a marketplace invoice is paid, after
commit, whatever happens to the paid event; reversed (never edited) by refunds and voids;
the ledger's sums equal the paid invoices'."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from apps.billing.models import Invoice
from apps.billing.payments import payment_record, payment_refund
from apps.billing.services import invoice_void
from apps.firms.models import Firm
from apps.ledger.models import RevenueShareEntry
from apps.ledger.services import (
    invoices_missing_from_ledger,
    revenue_share_catch_up,
    revenue_share_record,
)
from tests.billing.factories import line, marketplace_engagement_for, sent_invoice
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


def marketplace_invoice(world, *, price: str = "1000.00", tax: str = "0") -> Invoice:
    client = make_client()
    engagement = marketplace_engagement_for(world, client)
    return sent_invoice(client, marketplace_engagement_id=engagement.pk,
                        lines=[line("CFO advisory, March", "1", price, tax)])


def pay_in_full(invoice: Invoice) -> Invoice:
    payment_record(invoice=invoice, amount=invoice.total, method="ach")
    invoice.refresh_from_db()
    return invoice


def queued_tasks() -> list[dict]:
    """Messages waiting in this test run's broker (its own Redis database)."""
    from advisoros.celery import app

    with app.connection_for_read() as conn:
        raw = conn.default_channel.client.lrange("celery", 0, -1)
    return [json.loads(m)["headers"] for m in raw]


def test_paying_in_full_queues_the_commission_after_commit(
        in_firm_a, django_capture_on_commit_callbacks):
    from advisoros.celery import app

    app.control.purge()
    invoice = marketplace_invoice(in_firm_a)

    with django_capture_on_commit_callbacks(execute=True):
        payment_record(invoice=invoice, amount=Decimal("400.00"), method="ach")
    assert queued_tasks() == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        payment_record(invoice=invoice, amount=Decimal("600.00"), method="ach")
    assert queued_tasks() == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()

    tasks = [t for t in queued_tasks() if t["task"] == "billing.revenue_share_record"]
    assert len(tasks) == 1
    assert f"'invoice_id': {invoice.pk}" in tasks[0]["kwargsrepr"]
    assert tasks[0]["_schema_name"] == in_firm_a.firm.schema_name
    assert not RevenueShareEntry.objects.exists()  # recorded by the worker, not the request
    app.control.purge()


def test_a_paid_invoice_records_gross_rate_fee_and_payout_once(in_firm_a):
    invoice = pay_in_full(marketplace_invoice(in_firm_a, price="1000.00", tax="0.10"))

    first = revenue_share_record(invoice_id=invoice.pk)
    again = revenue_share_record(invoice_id=invoice.pk)

    assert again == []
    entry = RevenueShareEntry.objects.get()
    assert [entry] == first
    assert (entry.kind, entry.gross_amount, entry.commission_rate, entry.platform_fee,
            entry.advisor_payout, entry.payout_status) == (
        "commission", Decimal("1000.00"), Decimal("0.1500"), Decimal("150.00"),
        Decimal("850.00"), "pending")
    assert entry.event_key == f"commission:{in_firm_a.firm.pk}:{invoice.pk}"
    assert entry.firm_id == in_firm_a.firm.pk and entry.invoice_number == invoice.number


def test_the_firms_own_commission_rate_is_used(in_firm_a):
    Firm.objects.filter(pk=in_firm_a.firm.pk).update(commission_rate=Decimal("0.1234"))
    invoice = pay_in_full(marketplace_invoice(in_firm_a, price="333.33"))

    entry = revenue_share_record(invoice_id=invoice.pk)[0]

    assert (entry.platform_fee, entry.advisor_payout) == (Decimal("41.13"), Decimal("292.20"))


def test_unpaid_or_plain_invoices_record_nothing(in_firm_a):
    partly = marketplace_invoice(in_firm_a)
    payment_record(invoice=partly, amount=Decimal("1.00"), method="ach")
    plain = pay_in_full(sent_invoice())

    assert revenue_share_record(invoice_id=partly.pk) == []
    assert revenue_share_record(invoice_id=plain.pk) == []
    assert revenue_share_record(invoice_id=10**12) == []
    assert not RevenueShareEntry.objects.exists()


def test_refunds_add_reversing_entries_that_undo_the_commission_exactly(in_firm_a):
    invoice = pay_in_full(marketplace_invoice(in_firm_a, price="100.00"))
    revenue_share_record(invoice_id=invoice.pk)
    payment = invoice.payments.get()

    for amount in ("33.33", "33.33", "33.34"):
        payment_refund(payment=payment, amount=Decimal(amount), reason="Partial refund")
        revenue_share_record(invoice_id=invoice.pk)
        revenue_share_record(invoice_id=invoice.pk)  # processed twice: no second entry

    commission = RevenueShareEntry.objects.get(kind="commission")
    reversals = list(RevenueShareEntry.objects.filter(kind="reversal").order_by("id"))
    assert [r.gross_amount for r in reversals] == [Decimal("-33.33"), Decimal("-33.33"),
                                                   Decimal("-33.34")]
    assert all(r.reverses_id == commission.pk for r in reversals)
    assert sum(r.platform_fee for r in reversals) == -commission.platform_fee
    assert sum(r.advisor_payout for r in reversals) == -commission.advisor_payout
    commission.refresh_from_db()
    assert commission.gross_amount == Decimal("100.00")  # never edited


def test_voiding_after_payment_reverses_the_rest(in_firm_a):
    invoice = pay_in_full(marketplace_invoice(in_firm_a, price="200.00"))
    revenue_share_record(invoice_id=invoice.pk)
    payment_refund(payment=invoice.payments.get(), amount=Decimal("50.00"), reason="Part")
    revenue_share_record(invoice_id=invoice.pk)

    invoice_void(invoice=invoice, reason="Engagement cancelled")
    revenue_share_record(invoice_id=invoice.pk)

    entries = RevenueShareEntry.objects.filter(invoice_id=invoice.pk)
    assert sorted(e.gross_amount for e in entries) == [Decimal("-150.00"), Decimal("-50.00"),
                                                       Decimal("200.00")]
    assert sum(e.gross_amount for e in entries) == 0
    assert sum(e.platform_fee for e in entries) == 0


def test_paid_then_voided_before_the_task_ran_records_both_sides(in_firm_a):
    invoice = pay_in_full(marketplace_invoice(in_firm_a))
    invoice_void(invoice=invoice, reason="Wrong client")

    added = revenue_share_record(invoice_id=invoice.pk)

    assert [e.kind for e in added] == ["commission", "reversal"]
    assert sum(e.gross_amount for e in added) == 0


def test_catch_up_records_what_the_after_commit_path_missed(in_firm_a):
    missed = [pay_in_full(marketplace_invoice(in_firm_a, price=p)) for p in ("10.00", "20.00")]
    done = pay_in_full(marketplace_invoice(in_firm_a, price="30.00"))
    revenue_share_record(invoice_id=done.pk)
    refunded = pay_in_full(marketplace_invoice(in_firm_a, price="40.00"))
    revenue_share_record(invoice_id=refunded.pk)
    payment_refund(payment=refunded.payments.get(), amount=Decimal("4.00"), reason="Credit")

    assert sorted(invoices_missing_from_ledger()) == sorted(
        [missed[0].pk, missed[1].pk, refunded.pk])
    assert revenue_share_catch_up() == 3
    assert invoices_missing_from_ledger() == []
    assert revenue_share_catch_up() == 0


def test_ledger_sums_equal_the_paid_marketplace_invoices(in_firm_a):
    invoices = [pay_in_full(marketplace_invoice(in_firm_a, price=p, tax="0.05"))
                for p in ("99.99", "1234.56", "0.01", "500.00")]
    payment_refund(payment=invoices[1].payments.get(), amount=Decimal("234.56"),
                   reason="Scope cut")
    sent_invoice()  # unrelated
    revenue_share_catch_up()

    paid = Invoice.objects.filter(marketplace_engagement__isnull=False, paid_at__isnull=False)
    expected = sum(i.total - i.tax_total - round((i.total - i.tax_total) * i.amount_refunded
                                                 / i.total, 2) for i in paid)
    ledger = RevenueShareEntry.objects.filter(firm_id=in_firm_a.firm.pk)
    assert sum(e.gross_amount for e in ledger) == expected
    assert all(e.platform_fee + e.advisor_payout == e.gross_amount for e in ledger)


def test_ledger_entries_cannot_be_edited_or_deleted(in_firm_a):
    invoice = pay_in_full(marketplace_invoice(in_firm_a))
    entry = revenue_share_record(invoice_id=invoice.pk)[0]

    with pytest.raises(DatabaseError), transaction.atomic():
        RevenueShareEntry.objects.filter(pk=entry.pk).update(gross_amount=Decimal("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL advisoros.audit_truncate_allowed = off")
        cursor.execute("DELETE FROM public.ledger_revenueshareentry WHERE id = %s", [entry.pk])

    entry.refresh_from_db()
    assert entry.gross_amount == Decimal("1000.00")
