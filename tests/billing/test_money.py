"""Totals and rounding, property-based: every figure adds up to the cent, rounding is
half-up, and commission reversals of any split of refunds undo the commission exactly."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.billing.money import (
    invoice_totals,
    line_amounts,
    round_cents,
    share_of,
    split_commission,
)

quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=4)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)
lines = st.lists(st.tuples(quantities, prices, rates), min_size=1, max_size=20)


def test_half_cents_round_up_not_to_even():
    assert round_cents(Decimal("0.005")) == Decimal("0.01")
    assert round_cents(Decimal("0.015")) == Decimal("0.02")
    assert round_cents(Decimal("2.675")) == Decimal("2.68")
    assert round_cents(Decimal("0.0049")) == Decimal("0.00")


def test_a_line_is_rounded_then_taxed():
    amounts = line_amounts(quantity=Decimal("3"), unit_price=Decimal("33.335"),
                           tax_rate=Decimal("0.0825"))

    assert amounts.amount == Decimal("100.01")  # 100.005 -> 100.01
    assert amounts.tax_amount == Decimal("8.25")  # 8.2508 -> 8.25


@settings(max_examples=200, deadline=None)
@given(lines)
def test_totals_are_the_sum_of_rounded_lines(raw):
    amounts = [line_amounts(quantity=q, unit_price=p, tax_rate=r) for q, p, r in raw]
    totals = invoice_totals(amounts)

    for (q, p, _), a in zip(raw, amounts, strict=True):
        assert a.amount == (q * p).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert abs(a.amount - q * p) <= Decimal("0.005")
        assert a.tax_amount.as_tuple().exponent == -2
    assert totals.subtotal == sum(a.amount for a in amounts)
    assert totals.tax_total == sum(a.tax_amount for a in amounts)
    assert totals.total == totals.subtotal + totals.tax_total
    assert totals.total.as_tuple().exponent == -2


@settings(max_examples=200, deadline=None)
@given(prices, rates)
def test_fee_and_payout_add_up_to_gross(gross, rate):
    fee, payout = split_commission(gross=gross, rate=rate)

    assert fee + payout == gross
    assert fee >= 0 and payout >= 0
    assert abs(fee - gross * rate) <= Decimal("0.005")


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
       st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=8), rates)
def test_cumulative_reversals_of_any_refund_split_undo_the_commission(total, weights, rate):
    """Refunds of any sizes summing to the total reverse gross and fee to the cent."""
    gross = total  # no tax
    fee, _ = split_commission(gross=gross, rate=rate)
    cents = int(total * 100)
    cuts = sorted({min(cents, max(1, cents * sum(weights[:i + 1]) // sum(weights)))
                   for i in range(len(weights))})
    cuts[-1] = cents
    reversed_gross = reversed_fee = Decimal("0")
    for cut in cuts:
        refunded = Decimal(cut) / 100
        target_gross = share_of(refunded, of_total=total, amount=gross)
        target_fee = share_of(refunded, of_total=total, amount=fee)
        assert target_gross >= reversed_gross and target_fee >= reversed_fee
        reversed_gross, reversed_fee = target_gross, target_fee

    assert reversed_gross == gross
    assert reversed_fee == fee
