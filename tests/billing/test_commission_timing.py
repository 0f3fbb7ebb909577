"""When a commission is booked late (a lost message, the catch-up), it still books the
rate in force when the invoice was paid; and a lost commission is recovered by the
minutely catch-up well within two minutes, without racing the normal after-commit path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from advisoros.beat import BEAT_SCHEDULE
from advisoros.celery import app
from apps.billing.models import Invoice
from apps.firms.models import Firm
from apps.ledger.models import RevenueShareEntry
from apps.ledger.services import (
    RECENT_GRACE_SECONDS,
    revenue_share_catch_up,
    revenue_share_catch_up_recent,
    revenue_share_record,
)
from tests.billing.test_commissions import marketplace_invoice, pay_in_full

pytestmark = pytest.mark.django_db


def set_rate(world, rate: str) -> None:
    Firm.objects.filter(pk=world.firm.pk).update(commission_rate=Decimal(rate))


def test_a_catch_up_after_a_rate_change_books_the_rate_of_the_payment(in_firm_a):
    set_rate(in_firm_a, "0.1500")
    invoice = pay_in_full(marketplace_invoice(in_firm_a, price="1000.00"))
    set_rate(in_firm_a, "0.2500")  # the platform renegotiates after the payment

    assert revenue_share_catch_up() == 1

    entry = RevenueShareEntry.objects.get(invoice_id=invoice.pk, firm_id=in_firm_a.firm.pk)
    assert (entry.commission_rate, entry.platform_fee, entry.advisor_payout) == (
        Decimal("0.1500"), Decimal("150.00"), Decimal("850.00"))
    assert Invoice.objects.get(pk=invoice.pk).commission_rate == Decimal("0.1500")


def test_an_invoice_paid_before_rates_were_kept_books_the_firms_rate(in_firm_a):
    set_rate(in_firm_a, "0.1000")
    invoice = pay_in_full(marketplace_invoice(in_firm_a, price="500.00"))
    Invoice.objects.filter(pk=invoice.pk).update(commission_rate=None)

    entry = revenue_share_record(invoice_id=invoice.pk)[0]

    assert (entry.commission_rate, entry.platform_fee) == (Decimal("0.1000"), Decimal("50.00"))


def paid_and_lost(world, *, seconds_ago: int) -> Invoice:
    """A paid marketplace invoice whose after-commit message never ran, last changed
    `seconds_ago`."""
    invoice = pay_in_full(marketplace_invoice(world, price="200.00"))
    Invoice.objects.filter(pk=invoice.pk).update(
        updated_at=timezone.now() - timedelta(seconds=seconds_ago))
    return invoice


def test_the_minutely_catch_up_records_a_lost_commission_and_leaves_fresh_ones_to_the_task(
        in_firm_a):
    lost = paid_and_lost(in_firm_a, seconds_ago=RECENT_GRACE_SECONDS + 5)
    fresh = paid_and_lost(in_firm_a, seconds_ago=1)  # its own task is about to run
    old = paid_and_lost(in_firm_a, seconds_ago=3 * 60 * 60)  # the hourly sweep's job

    assert revenue_share_catch_up_recent() == 1
    assert revenue_share_catch_up_recent() == 0

    booked = set(RevenueShareEntry.objects.filter(firm_id=in_firm_a.firm.pk)
                 .values_list("invoice_id", flat=True))
    assert booked == {lost.pk}
    assert revenue_share_catch_up() == 2  # the full sweep still finds the others
    assert RevenueShareEntry.objects.filter(
        firm_id=in_firm_a.firm.pk, invoice_id__in=[lost.pk, fresh.pk, old.pk],
        kind="commission").count() == 3


def test_the_minutely_catch_up_is_scheduled_to_recover_within_two_minutes():
    entry = BEAT_SCHEDULE["billing-commission-catch-up-recent"]

    assert entry["args"] == ["billing.revenue_share_catch_up_recent"]
    assert "billing.revenue_share_catch_up_recent" in app.tasks
    assert entry["options"]["expires"] < entry["schedule"]
    worst_case = RECENT_GRACE_SECONDS + entry["schedule"] + entry["kwargs"]["spread_seconds"]
    assert worst_case < 120

