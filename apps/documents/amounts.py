"""Money amounts as US forms print them, and as OCR misreads them.

A form prints 1,234.56 (or 1234.56, or whole dollars 65,028). OCR, on a photo taken from
a little too far, turns a comma into a point ("65.028.08"), a point into a comma
("65,028,08"), inserts spaces ("65 028.08", "1,234.5 6") or drops a separator
("1.46.58" for 146.58). Each token is read by what an amount can be: groups of three
digits between thousands separators (all the same character), two digits of cents after
the decimal point. A token printed that way is *clean*; one that needs a repair to make
sense is read but marked (the note says what was repaired); one that makes sense in two
ways keeps every reading, so nothing ambiguous is ever taken silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# A candidate: an optional sign or "(", an optional "$", then digits with points, commas
# and single spaces between digits (OCR inserts spaces inside numbers).
_PIECE = r"\d(?:[\d.,]*\d)?"
_TOKEN = re.compile(r"(?P<open>[-(])?(?P<dollar>\$)?\s?"
                    rf"(?P<body>{_PIECE}(?: {_PIECE})*)(?P<close>\))?(?P<pct>\s?%)?")
_CLEAN = re.compile(r"\d{1,3}(?:,\d{3})*\.\d{2}|\d+\.\d{2}")
_CLEAN_WHOLE = re.compile(r"\d{1,3}(?:,\d{3})+")


@dataclass(frozen=True)
class AmountReading:
    """What one printed token can mean. `values` holds every reading, most likely first;
    `note` says why the reading is not to be trusted as printed (empty when clean)."""

    text: str
    values: tuple[Decimal, ...]
    clean: bool
    note: str = ""

    @property
    def value(self) -> Decimal | None:
        return self.values[0] if self.values else None

    @property
    def ambiguous(self) -> bool:
        return len(self.values) > 1


def _grouped(groups: list[str], seps: list[str]) -> bool:
    """Digit groups that read as thousands: 1-3 digits, then groups of exactly three,
    separated by one and the same character (a misread comma is misread the same way)."""
    if not groups or not groups[0]:
        return False
    if len(groups) == 1:
        return True
    return (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
            and len(set(seps)) == 1)


def _readings(body: str, *, repairs: bool = True) -> list[Decimal]:
    """Every sensible amount in a token without spaces, most natural first. Without
    `repairs` only readings with cents are considered (for tokens joined across spaces)."""
    if _CLEAN.fullmatch(body) or _CLEAN_WHOLE.fullmatch(body):
        return [Decimal(body.replace(",", ""))]
    parts = re.split(r"([.,])", body)
    groups, seps = parts[0::2], parts[1::2]
    if not seps or any(g == "" for g in groups):
        return []
    found: list[Decimal] = []
    # The last separator before two digits is the decimal point, whatever it was read as;
    # every separator before it a thousands separator.
    if len(groups[-1]) == 2 and _grouped(groups[:-1], seps[:-1]):
        found.append(Decimal("".join(groups[:-1]) + "." + groups[-1]))
    if found or not repairs:
        return found
    # No cents: every separator a thousands separator ("65.028" printed as 65,028).
    if _grouped(groups, seps):
        return [Decimal("".join(groups))]
    # One separator too many (OCR saw a point in a digit): drop one and read the rest...
    if len(groups[-1]) == 2 and len(seps) >= 2:
        for drop in range(len(seps) - 1):
            merged = [*groups[:drop], groups[drop] + groups[drop + 1], *groups[drop + 2:]]
            rest = [*seps[:drop], *seps[drop + 1:]]
            if _grouped(merged[:-1], rest[:-1]):
                found.append(Decimal("".join(merged[:-1]) + "." + merged[-1]))
        # ...or the amount ended where a clean amount ends and the rest is something else.
        prefix = re.match(r"\d{1,3}(?:,\d{3})*\.\d{2}|\d+\.\d{2}", body)
        if found and prefix:
            cut = Decimal(prefix.group().replace(",", ""))
            if cut not in found:
                found.append(cut)
    return found


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _reading(shown: str, body: str, *, dollar: bool, negative: bool,
             signed: bool = False) -> AmountReading | None:
    """`signed`: a minus sign or an opening parenthesis touches the digits ("-821",
    "(821)"): a whole-dollar loss as K-1s print it, never a box number or a year."""
    if " " not in body and not re.search(r"[.,]", body) and not (dollar or signed):
        return None  # a plain integer: a box number, a year, a ZIP code, a quantity
    if " " in body:
        # Joined across the spaces, or the spaces read as separators: cents required.
        readings = list(dict.fromkeys([*_readings(body.replace(" ", ""), repairs=False),
                                       *_readings(body.replace(" ", ","), repairs=False)]))
        clean = False
    elif (dollar or signed) and body.isdigit():
        readings, clean = [Decimal(body)], True
    else:
        readings = _readings(body)
        clean = bool(_CLEAN.fullmatch(body) or _CLEAN_WHOLE.fullmatch(body))
    if not readings:
        return AmountReading(shown, (), False, f"“{shown}” could not be read as an amount")
    if negative:
        readings = [-v for v in readings]
    if len(readings) > 1:
        note = (f"“{shown}” can be read as "
                f"{' or '.join(_money(v) for v in readings)}: check the amount")
    elif not clean:
        note = f"“{shown}” was read as {_money(readings[0])} (its separators looked misread)"
    else:
        note = ""
    return AmountReading(shown, tuple(readings), clean, note)


def read_amount(token: str) -> AmountReading | None:
    """The readings of one printed amount ("$ 1,234.56", "(45.00)", "65.028.08").
    None when the token is not an amount at all (a box number, a year, a percentage)."""
    match = _TOKEN.fullmatch(token.strip())
    if match is None or match.group("pct"):
        return None
    negative = match.group("open") == "-" or (match.group("open") == "(" and
                                               bool(match.group("close")))
    return _reading(match.group().strip(), match.group("body"),
                    dollar=bool(match.group("dollar")), negative=negative)


def _meant_as_amount(body: str, dollar: bool) -> bool:
    """A token that reads no way but still looks meant as an amount (so the search
    stops there and says so) rather than a stray number such as a quantity "1.5"."""
    tail = re.split(r"[.,]", body)[-1]
    return dollar or (bool(re.search(r"[.,]", body)) and
                      (len(tail) == 2 or sum(c.isdigit() for c in body) >= 4))


def first_amount(text: str) -> AmountReading | None:
    """The first amount in `text`, skipping stray numbers (box numbers, dates, years,
    percentages). A token that looks meant as an amount but reads no way is returned
    too (no values, with a note), so the caller says so instead of taking the next one."""
    pos = 0
    while (match := _TOKEN.search(text, pos)) is not None:
        pos = match.end()
        start = match.start("body")
        if match.group("pct"):
            continue
        pieces = match.group("body").split(" ")
        dollar = bool(match.group("dollar"))
        # "K-1" or "INV-1,234.00" hold a hyphen, not a minus sign.
        hyphen = match.start() > 0 and text[match.start() - 1].isalnum()
        negative = (match.group("open") == "-" and not hyphen) or (
            match.group("open") == "(" and bool(match.group("close")))
        shown = match.group().strip()
        if len(pieces) > 1:
            joined = _reading(shown, match.group("body"), dollar=dollar, negative=negative)
            second = re.split(r"[.,]", pieces[1])[0]
            rest = read_amount(" ".join(pieces[1:]))
            if pieces[0].isdigit() and rest is not None and rest.clean and (
                    len(second) != 3 or len(pieces[0]) > 3):
                # "1 65,028.08" or "2024 128.08": a box number or a year, then the amount.
                pos = start + len(pieces[0]) + 1
                continue
            if joined is not None and joined.values:
                if rest is not None and rest.clean and not second.startswith("0") \
                        and rest.value not in joined.values:
                    # "65 128.08": 65,128.08 with a lost comma, or 128.08 after a "65".
                    values = (*joined.values, rest.value)
                    return AmountReading(shown, values, False, f"“{shown}” can be read as "
                                         f"{' or '.join(_money(v) for v in values)}: "
                                         "check the amount")
                return joined
            first = read_amount(pieces[0])
            if first is None or not first.values:
                pos = start + len(pieces[0]) + 1  # read on from the next piece
                if first is not None and _meant_as_amount(pieces[0], dollar):
                    return first
                continue
            return first
        # A date part ("-01/31/2025") is not a signed amount.
        signed = (negative and text[start - 1] in "-(" and not match.group("body")
                  .startswith("0") and not re.match(r"[/-]\d", text[match.end():]))
        reading = _reading(shown, match.group("body"), dollar=dollar, negative=negative,
                           signed=signed)
        if reading is None:
            continue
        if reading.values and "." not in match.group("body"):
            # "16,731 .95", "16,731:95": whole dollars, then their cents split off by OCR
            # (which also reads a point as a colon).
            cents = re.match(r"\s?[.,:;]\s?(\d{2})(?!\d)", text[match.end():])
            if cents:
                shown = f"{shown}{cents.group()}"
                value = reading.values[0] + (-1 if negative else 1) * Decimal(
                    cents.group(1)) / 100
                return AmountReading(shown, (value,), False, f"“{shown}” was read as "
                                     f"{_money(value)} (its separators looked misread)")
        if reading.values or _meant_as_amount(match.group("body"), dollar):
            return reading
    return None
