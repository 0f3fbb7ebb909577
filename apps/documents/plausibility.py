"""Whether extracted values can be true: each failed check lowers the confidence of the
fields it involves and says why (the note the reviewer reads).

Checks: amounts that must be positive and of a sane size (1099 boxes, mortgage interest,
wages), W-2 box relationships (box 2 withholding below box 1 wages, social security wages
at most the year's wage base, box 4 = 6.2 % of box 3 and box 6 = 1.45 % of box 5 within
a few cents, plus the 0.9 % additional Medicare tax above $200,000), invoice and receipt
subtotal + tax = total (choosing, for an amount that reads two ways, the reading that
adds up, still for review), dates and tax years in a plausible range, and EINs with a
prefix the IRS assigns.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from apps.documents.models import DocType

# A value that fails a check is wrong often enough that it must be looked at.
FAILED = 0.5

# Social security wage base by year (SSA); a year not listed uses the nearest one.
SS_WAGE_BASE = {2018: 128400, 2019: 132900, 2020: 137700, 2021: 142800, 2022: 147000,
                2023: 160200, 2024: 168600, 2025: 176100, 2026: 184500}
# EIN prefixes the IRS assigns (campus and internet codes); others are misreads.
EIN_PREFIXES = frozenset([*range(1, 7), *range(10, 17), *range(20, 28), *range(30, 49),
                          *range(50, 69), *range(71, 78), *range(80, 89), *range(90, 96),
                          98, 99])
CENTS = Decimal("0.05")  # payroll systems round per pay period: a few cents of slack
SANE_MAX = Decimal("10000000")
POSITIVE_AMOUNTS = {"nonemployee_compensation", "interest_income", "ordinary_dividends",
                    "amount", "mortgage_interest", "wages", "total", "subtotal"}
EINS = ("employer_ein", "payer_tin", "entity_ein")
DATES = ("date", "statement_date")


def _amount(fields: dict, name: str) -> Decimal | None:
    found = fields.get(name)
    if found is None or found.value is None:
        return None
    try:
        return Decimal(str(found.value))
    except InvalidOperation:
        return None


def _fail(fields: dict, names: tuple[str, ...], note: str) -> None:
    for name in names:
        if fields.get(name) is not None and fields[name].value is not None:
            fields[name].distrust(FAILED, note)


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _check_amounts(fields: dict) -> None:
    for name in POSITIVE_AMOUNTS:
        value = _amount(fields, name)
        if value is not None and not Decimal("0") < value < SANE_MAX:
            _fail(fields, (name,), f"{_money(value)} is not a plausible amount here")


def _check_w2(fields: dict, year: int | None) -> None:
    wages, withheld = _amount(fields, "wages"), _amount(fields, "federal_withholding")
    if wages is not None and withheld is not None and not Decimal("0") <= withheld < wages:
        _fail(fields, ("wages", "federal_withholding"),
              f"withholding {_money(withheld)} is not below wages {_money(wages)}")
    ss_wages, ss_tax = _amount(fields, "social_security_wages"), \
        _amount(fields, "social_security_tax")
    if ss_wages is not None:
        base = SS_WAGE_BASE[min(SS_WAGE_BASE, key=lambda y: abs(y - (year or 2024)))]
        if ss_wages > base:
            _fail(fields, ("social_security_wages",),
                  f"social security wages {_money(ss_wages)} exceed the "
                  f"{year or ''} wage base {_money(Decimal(base))}".replace("  ", " "))
        if ss_tax is not None and abs(ss_wages * Decimal("0.062") - ss_tax) > CENTS:
            _fail(fields, ("social_security_wages", "social_security_tax"),
                  f"social security tax {_money(ss_tax)} is not 6.2 % of "
                  f"{_money(ss_wages)}")
    med_wages, med_tax = _amount(fields, "medicare_wages"), _amount(fields, "medicare_tax")
    if med_wages is not None and med_tax is not None:
        plain = med_wages * Decimal("0.0145")
        extra = plain + max(Decimal("0"), med_wages - 200000) * Decimal("0.009")
        if abs(plain - med_tax) > CENTS and abs(extra - med_tax) > CENTS:
            _fail(fields, ("medicare_wages", "medicare_tax"),
                  f"Medicare tax {_money(med_tax)} is not 1.45 % of {_money(med_wages)}")


def _check_sum(fields: dict) -> None:
    """subtotal + tax = total; an ambiguous total takes the reading that adds up."""
    subtotal, tax, total = (_amount(fields, n) for n in ("subtotal", "tax", "total"))
    if subtotal is None or tax is None or total is None:
        return
    expected = subtotal + tax
    if expected == total:
        return
    found = fields["total"]
    if str(expected) in found.readings:
        found.value = str(expected)
        found.note += f"; {_money(expected)} chosen because subtotal + tax = {_money(expected)}"
        return
    _fail(fields, ("total", "subtotal", "tax"), f"subtotal {_money(subtotal)} + tax "
          f"{_money(tax)} = {_money(expected)}, not the total {_money(total)}")


def _check_dates(fields: dict, today: date) -> None:
    for name in DATES:
        found = fields.get(name)
        if found is None or found.value is None:
            continue
        value = date.fromisoformat(str(found.value))
        if not date(1990, 1, 1) <= value <= date(today.year + 1, 12, 31):
            _fail(fields, (name,), f"{value:%B %-d, %Y} is not a plausible date")


def _check_year(fields: dict, today: date) -> None:
    found = fields.get("tax_year")
    if found is not None and found.value is not None and \
            not today.year - 15 <= int(found.value) <= today.year:
        _fail(fields, ("tax_year",), f"tax year {found.value} is out of range")


def _check_eins(fields: dict) -> None:
    for name in EINS:
        found = fields.get(name)
        if found is not None and found.value is not None and \
                int(str(found.value)[:2]) not in EIN_PREFIXES:
            _fail(fields, (name,), f"{found.value} does not start with a prefix the IRS "
                  "assigns to EINs")


def check_plausibility(doc_type: str, fields: dict, *, today: date) -> None:
    """Lower the confidence of, and add a note to, every field that fails a check."""
    _check_amounts(fields)
    _check_dates(fields, today)
    _check_year(fields, today)
    _check_eins(fields)
    if doc_type == DocType.W2:
        year = fields.get("tax_year")
        _check_w2(fields, int(year.value) if year is not None and year.value else None)
    if doc_type in (DocType.INVOICE, DocType.RECEIPT):
        _check_sum(fields)
