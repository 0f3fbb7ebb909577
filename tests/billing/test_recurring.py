"""Recurring invoices: one invoice per plan and period, however often beat runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.billing.models import Invoice
from apps.billing.recurring import add_months, recurring_invoices_generate, recurring_plan_create
from apps.billing.services import invoice_create
from tests.billing.factories import line
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


def plan(client=None, **fields):
    fields.setdefault("frequency", "monthly")
    fields.setdefault("description", "Monthly bookkeeping")
    fields.setdefault("unit_price", Decimal("450.00"))
    fields.setdefault("start_date", date(2026, 1, 31))
    return recurring_plan_create(client=client or make_client(), **fields)


def test_month_ends_clamp_without_drifting():
    assert [add_months(date(2026, 1, 31), n) for n in range(4)] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_each_due_period_is_billed_once_however_often_beat_runs(in_firm_a):
    monthly = plan()

    made = recurring_invoices_generate(today=date(2026, 3, 31))
    again = recurring_invoices_generate(today=date(2026, 3, 31))

    assert (made, again) == (3, 0)
    invoices = Invoice.objects.filter(recurring_plan=monthly).order_by("period_start")
    assert [i.period_start for i in invoices] == [date(2026, 1, 31), date(2026, 2, 28),
                                                  date(2026, 3, 31)]
    assert {i.status for i in invoices} == {"sent"}
    assert {i.total for i in invoices} == {Decimal("450.00")}
    monthly.refresh_from_db()
    assert (monthly.periods_generated, monthly.next_period_start) == (3, date(2026, 4, 30))


def test_quarterly_and_yearly_plans_and_end_dates(in_firm_a):
    quarterly = plan(frequency="quarterly", start_date=date(2026, 1, 1),
                     end_date=date(2026, 7, 1))
    yearly = plan(frequency="yearly", start_date=date(2025, 6, 1), send_automatically=False)

    recurring_invoices_generate(today=date(2027, 1, 1))

    assert list(Invoice.objects.filter(recurring_plan=quarterly).order_by("period_start")
                .values_list("period_start", flat=True)) == [
        date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)]
    quarterly.refresh_from_db()
    assert quarterly.active is False
    yearly_invoices = Invoice.objects.filter(recurring_plan=yearly).order_by("period_start")
    assert list(yearly_invoices.values_list("period_start", "status")) == [
        (date(2025, 6, 1), "draft"), (date(2026, 6, 1), "draft")]


def test_the_database_refuses_a_second_invoice_for_a_period(in_firm_a):
    monthly = plan()
    recurring_invoices_generate(today=date(2026, 1, 31))

    with pytest.raises(IntegrityError), transaction.atomic():
        invoice_create(client=monthly.client, lines=[line()], recurring_plan=monthly,
                       period_start=date(2026, 1, 31))


@pytest.mark.parametrize(("change", "field"), [
    ({"frequency": "weekly"}, "frequency"), ({"unit_price": "-1"}, "unit_price"),
    ({"quantity": "-2"}, "quantity"), ({"description": "a\x00b"}, "description"),
    ({"currency": "BTC"}, "currency"), ({"end_date": date(2025, 1, 1)}, "end_date")])
def test_bad_plans_are_refused_with_the_field_named(in_firm_a, change, field):
    with pytest.raises(ValidationError) as refused:
        plan(**change)

    assert field in refused.value.message_dict


def test_a_plan_whose_invoices_would_exceed_the_maximum_is_refused(in_firm_a):
    with pytest.raises(ValidationError) as refused:
        plan(unit_price=Decimal("9999999999.99"), quantity="2")

    assert "unit_price" in refused.value.message_dict
    with pytest.raises(ValidationError) as taxed:
        plan(unit_price=Decimal("9999999999.99"), tax_rate="0.1")
    assert "unit_price" in taxed.value.message_dict


def test_one_plan_that_cannot_be_billed_does_not_stop_the_others(in_firm_a):
    from apps.billing.models import RecurringPlan

    client = make_client()
    # A plan the service would now refuse (made before the check, or changed since).
    bad = RecurringPlan.objects.create(
        client=client, frequency="monthly", description="Too much", quantity=Decimal("2"),
        unit_price=Decimal("9999999999.99"), currency="USD", payment_terms="net_30",
        start_date=date(2026, 1, 1), next_period_start=date(2026, 1, 1))
    good = plan(client, start_date=date(2026, 1, 15))

    made = recurring_invoices_generate(today=date(2026, 1, 20))

    assert made == 1
    assert Invoice.objects.filter(recurring_plan=good).count() == 1
    assert not Invoice.objects.filter(recurring_plan=bad).exists()
    bad.refresh_from_db()
    assert bad.active and bad.periods_generated == 0
    assert "cannot be more than" in bad.last_error and bad.last_error_at is not None
    good.refresh_from_db()
    assert good.last_error == "" and good.periods_generated == 1
