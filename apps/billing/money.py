"""Money arithmetic, in one place: Decimal only, rounded half-up to the cent.

Accountants round each line: a line's net is quantity x unit price rounded to the cent,
its tax is that net x the tax rate rounded to the cent, and the invoice adds the rounded
figures, so every number on the printed invoice adds up exactly. Half-up (0.005 -> 0.01)
is what people do by hand; Python's default (banker's rounding) is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Largest amount the columns hold (12 digits, 2 places); anything above is refused.
MAX_AMOUNT = Decimal("9999999999.99")


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def line_amounts(*, quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> LineAmounts:
    amount = round_cents(quantity * unit_price)
    return LineAmounts(amount=amount, tax_amount=round_cents(amount * tax_rate))


def invoice_totals(lines: Iterable[LineAmounts]) -> InvoiceTotals:
    lines = list(lines)
    subtotal = sum((line.amount for line in lines), ZERO)
    tax_total = sum((line.tax_amount for line in lines), ZERO)
    return InvoiceTotals(subtotal=subtotal, tax_total=tax_total, total=subtotal + tax_total)


def split_commission(*, gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(platform fee, advisor payout) of a gross amount: the fee is rounded, the payout
    is the rest, so the two always add up to the gross exactly."""
    fee = round_cents(gross * rate)
    return fee, gross - fee


def share_of(part: Decimal, *, of_total: Decimal, amount: Decimal) -> Decimal:
    """`amount` x part / of_total, rounded: the share of `amount` that a partial sum
    (a refund) of `of_total` (the invoice total) carries. share_of(total) == amount."""
    if of_total == 0:
        return ZERO
    if part == of_total:
        return amount
    return round_cents(amount * part / of_total)
