"""Where each extracted field was read: its value searched in the page words, mapped to
boxes for the review preview.

A page is a list of read segments (an OCR text line, a PDF text run) with their boxes.
The value is looked for in the forms it can be printed in ("65,028.08" and "65028.08"
for an amount, 03/14/2025 and March 14, 2025 for a date, 12-3456789 and 123456789 for an
EIN), spaces between characters allowed (OCR inserts them). The first occurrence wins:
an amount printed twice (W-2 boxes 1 and 3) is shown where it first appears. Within a
segment the box is cut in proportion to the characters matched, so "54,321.00" is
highlighted, not the whole line "1 Wages, tips, other compensation 54,321.00".

This module imports no Django model: it works on plain data, and tests feed it that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

MONEY_FIELDS = frozenset({
    "wages", "federal_withholding", "nonemployee_compensation", "amount", "interest_income",
    "ordinary_dividends", "mortgage_interest", "ordinary_income", "ending_balance",
    "beginning_balance", "total"})
EIN_FIELDS = frozenset({"employer_ein", "payer_tin", "entity_ein"})
DATE_FIELDS = frozenset({"statement_date", "date"})
YEAR_FIELDS = frozenset({"tax_year"})
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


def field_kind(name: str) -> str:
    """money, ein, date, year or text: how a field's value is written and checked."""
    if name in MONEY_FIELDS:
        return "money"
    if name in EIN_FIELDS:
        return "ein"
    if name in DATE_FIELDS:
        return "date"
    if name in YEAR_FIELDS:
        return "year"
    return "text"


def _money_forms(value: str) -> list[str]:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return [value]
    plain = f"{abs(amount):.2f}"
    grouped = f"{abs(amount):,.2f}"
    forms = [grouped, plain]
    if amount == amount.to_integral_value():
        # "1,234" printed without cents: looked for only after the exact forms.
        forms += [f"{abs(amount):,.0f}", f"{abs(amount):.0f}"]
    return list(dict.fromkeys(forms))


def _date_forms(value: str) -> list[str]:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return [value]
    month = _MONTHS[day.month - 1]
    return list(dict.fromkeys([
        f"{day.month:02d}/{day.day:02d}/{day.year}", f"{day.month}/{day.day}/{day.year}",
        day.isoformat(), f"{month} {day.day}, {day.year}", f"{month} {day.day} {day.year}",
        f"{month[:3]} {day.day}, {day.year}", f"{day.month:02d}-{day.day:02d}-{day.year}"]))


def value_forms(name: str, value) -> list[str]:
    """The texts a field's value may be printed as, most specific first."""
    text = str(value).strip()
    if not text:
        return []
    kind = field_kind(name)
    if kind == "money":
        return _money_forms(text)
    if kind == "date":
        return _date_forms(text)
    if kind == "ein":
        digits = re.sub(r"\D", "", text)
        return list(dict.fromkeys([text, f"{digits[:2]}-{digits[2:]}", digits]))
    return [text]


def _pattern(form: str, kind: str) -> re.Pattern:
    # Any spacing between characters (OCR splits "54,321.00" into "54, 321.00"); a number
    # never matches inside a longer one.
    body = r"\s*".join(re.escape(ch) for ch in form if not ch.isspace())
    if kind != "text":
        body = rf"(?<![\d.,]){body}(?![\d]|[.,]\d)"
    return re.compile(body, re.IGNORECASE)


@dataclass(frozen=True)
class Location:
    page: int  # 1-based
    boxes: tuple[tuple[float, float, float, float], ...]  # x0, y0, x1, y1 in page units
    text: str  # what was matched, as printed


def _page_text(words: list) -> tuple[str, list[tuple[int, int, int]]]:
    """The page's segments joined by newlines, and (start, end, index) of each."""
    parts: list[str] = []
    spans: list[tuple[int, int, int]] = []
    at = 0
    for index, word in enumerate(words):
        text = str(word[4])
        parts.append(text)
        spans.append((at, at + len(text), index))
        at += len(text) + 1
    return "\n".join(parts), spans


def _boxes(words: list, spans: list[tuple[int, int, int]], start: int, end: int
           ) -> tuple[tuple[float, float, float, float], ...]:
    found = []
    for seg_start, seg_end, index in spans:
        if seg_end <= start or seg_start >= end:
            continue
        x0, y0, x1, y1, text = words[index][:5]
        length = max(len(text), 1)
        first = max(start, seg_start) - seg_start
        last = min(end, seg_end) - seg_start
        width = x1 - x0
        found.append((round(x0 + width * first / length, 1), y0,
                      round(x0 + width * last / length, 1), y1))
    return tuple(found)


def locate_value(pages: list[dict], name: str, value) -> Location | None:
    """Where the value of field `name` is printed first, or None."""
    kind = field_kind(name)
    forms = value_forms(name, value)
    indexed = [_page_text(page.get("words") or []) for page in pages]
    for form in forms:
        pattern = _pattern(form, kind)
        for number, (page, (text, spans)) in enumerate(zip(pages, indexed, strict=True),
                                                      start=1):
            match = pattern.search(text)
            if match:
                boxes = _boxes(page["words"], spans, match.start(), match.end())
                if boxes:
                    return Location(number, boxes, match.group(0))
    return None


def locate_fields(pages: list[dict], fields: dict) -> dict[str, Location | None]:
    """Each extracted field ({name: {"value", ...}}) -> where it was read, or None."""
    return {name: locate_value(pages, name, item.get("value"))
            for name, item in fields.items() if isinstance(item, dict)}
