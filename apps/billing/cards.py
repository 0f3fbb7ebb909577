"""Card details as a payer types them: checks that catch typing mistakes before the
provider is asked (the number's Luhn check digit, an expiry in the past, a CVC of the
wrong length). Pure functions; the number is never stored or logged, only turned into
the provider's token (apps/billing/providers.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_SEPARATORS = re.compile(r"[\s-]")
_EXPIRY = re.compile(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_number_clean(value: str) -> str:
    """The digits of a card number typed with spaces or dashes; ValueError with the
    payer's message when it cannot be a card number."""
    digits = _SEPARATORS.sub("", value or "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise ValueError("Enter the 12 to 19 digits on the front of the card.")
    if not luhn_ok(digits):
        raise ValueError("This card number is not valid: check the digits.")
    return digits


def is_amex(digits: str) -> bool:
    return digits[:2] in ("34", "37")


@dataclass(frozen=True)
class Expiry:
    month: int
    year: int


def expiry_clean(value: str, *, today: date) -> Expiry:
    """MM/YY (or MM/YYYY); a card is valid through the last day of its month."""
    match = _EXPIRY.fullmatch((value or "").strip())
    if not match:
        raise ValueError("Enter the expiry as MM/YY, as printed on the card.")
    month, year = int(match.group(1)), int(match.group(2))
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        raise ValueError("The expiry month must be 01 to 12.")
    if (year, month) < (today.year, today.month):
        raise ValueError("This card has expired.")
    if year > today.year + 20:
        raise ValueError("Check the expiry year.")
    return Expiry(month=month, year=year)


def cvc_clean(value: str, *, amex: bool) -> str:
    value = (value or "").strip()
    length = 4 if amex else 3
    if not value.isdigit() or len(value) != length:
        raise ValueError(f"Enter the {length}-digit security code "
                         f"{'on the front' if amex else 'on the back'} of the card.")
    return value
