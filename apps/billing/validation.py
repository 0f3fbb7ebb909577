"""Input checks shared by the billing services. Each returns the clean value or adds a
message to `errors` under the field's name; the service raises one ValidationError with
every field's message, so a form or the API shows them all at once (400, never 500)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.billing.models import Currency

MONEY_MAX = Decimal("9999999999.99")
QUANTITY_MAX = Decimal("99999999.9999")
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,100}")


def clean_text(value: Any, name: str, errors: dict, *, max_length: int,
               required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "Enter text."
        return ""
    value = value.strip()
    if "\x00" in value:
        errors[name] = "Text cannot contain NUL characters."
    elif len(value) > max_length:
        errors[name] = f"Use at most {max_length} characters (this has {len(value)})."
    elif required and not value:
        errors[name] = "This field is required."
    return value


def clean_decimal(value: Any, name: str, errors: dict, *, places: int, minimum: Decimal,
                  maximum: Decimal, allow_minimum: bool = True, label: str = "amount"
                  ) -> Decimal:
    """A finite Decimal within [minimum, maximum] (or above minimum) with at most
    `places` decimal places. Floats are refused: money never passes through binary."""
    if isinstance(value, bool | float):
        errors[name] = f"Enter the {label} as a decimal number."
        return Decimal(0)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[name] = f"Enter the {label} as a number."
        return Decimal(0)
    if not number.is_finite():
        errors[name] = f"Enter the {label} as a number."
    elif number.as_tuple().exponent < -places:
        errors[name] = f"Use at most {places} decimal places."
    elif number < minimum or (number == minimum and not allow_minimum):
        errors[name] = (f"The {label} must be more than {minimum}." if not allow_minimum
                        else f"The {label} cannot be less than {minimum}.")
    elif number > maximum:
        errors[name] = f"The {label} cannot be more than {maximum:,}."
    else:
        return number
    return Decimal(0)


def clean_money(value: Any, name: str, errors: dict, *, positive: bool = True,
                label: str = "amount") -> Decimal:
    return clean_decimal(value, name, errors, places=2, minimum=Decimal(0), maximum=MONEY_MAX,
                         allow_minimum=not positive, label=label)


def clean_choice(value: Any, name: str, errors: dict, choices: type, *, label: str) -> str:
    if not isinstance(value, str) or value not in choices.values:
        shown = repr(value)[:40] if isinstance(value, str) else "that"
        errors[name] = (f"Unknown {label} {shown}; use one of: "
                        f"{', '.join(choices.values)}.")
        return ""
    return value


def clean_currency(value: Any, errors: dict, name: str = "currency") -> str:
    return clean_choice(value, name, errors, Currency, label="currency")


def clean_date(value: Any, name: str, errors: dict, *, required: bool = True) -> date | None:
    if value is None and not required:
        return None
    if isinstance(value, date):
        if not date(2000, 1, 1) <= value <= date(2100, 12, 31):
            errors[name] = "Use a date between 2000 and 2100."
            return None
        return value
    errors[name] = "Enter a date."
    return None


def clean_idempotency_key(value: Any, errors: dict, *, name: str = "idempotency_key",
                          required: bool = True) -> str | None:
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not _IDEMPOTENCY_KEY.fullmatch(value):
        errors[name] = ("Send an idempotency key of 8-100 letters, digits, '_', '-', '.' "
                        "or ':' (a new one per payment, the same one when retrying).")
        return None
    return value
