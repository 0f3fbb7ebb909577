"""Key fields from a document's text, each with a confidence.

Labels are matched with optional spaces between every word (OCR drops them), and values
are the first money amount, EIN or date after their label. A field found next to its
label is trusted (0.95); one found by a looser fallback less so (0.6); a required field
that is missing pulls the document's confidence down, so it waits for review.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from apps.documents.models import DocType

LABELLED = 0.95
FALLBACK = 0.6
MISSING = 0.3

_MONEY = r"\$?\s*(-?\d{1,3}(?:,?\d{3})*\.\d{2})"
_EIN = r"(\d{2})\s*-\s*(\d{7})"
_DATE = (r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})|(\d{4})-(\d{2})-(\d{2})|"
         r"(January|February|March|April|May|June|July|August|September|October|November|"
         r"December)\s*(\d{1,2}),?\s*(\d{4})")
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]


_OCR_ALIKE = {"i": "[il1|]", "l": "[il1|]", "o": "[o0]"}


def _label(words: str) -> str:
    # "amount due" -> r"amount\W*due": spaces, punctuation or nothing between the words
    # (OCR drops spaces), letters OCR confuses (I/l/1, O/0) accepted for each other, and
    # never the tail of "subtotal" when the label is "total".
    def word(text: str) -> str:
        return "".join(_OCR_ALIKE.get(ch.lower(), re.escape(ch)) for ch in text)

    return r"(?<!sub)" + r"\W*".join(word(part) for part in words.split())


@dataclass
class Field:
    value: str | int | None
    confidence: float


def _money(text: str, *labels: str, window: int = 120) -> Field:
    for label in labels:
        for match in re.finditer(_label(label), text, re.IGNORECASE):
            after = text[match.end(): match.end() + window]
            found = re.search(_MONEY, after)
            if found:
                try:
                    value = Decimal(found.group(1).replace(",", ""))
                except InvalidOperation:
                    continue
                return Field(str(value), LABELLED)
    return Field(None, MISSING)


def _ein(text: str, *labels: str, window: int = 160) -> Field:
    for label in labels:
        for match in re.finditer(_label(label), text, re.IGNORECASE):
            found = re.search(_EIN, text[match.end(): match.end() + window])
            if found:
                return Field(f"{found.group(1)}-{found.group(2)}", LABELLED)
    found = re.search(_EIN, text)
    if found:
        return Field(f"{found.group(1)}-{found.group(2)}", FALLBACK)
    return Field(None, MISSING)


def _parse_date(match: re.Match) -> date | None:
    groups = match.groups()
    try:
        if groups[0]:
            return date(int(groups[2]), int(groups[0]), int(groups[1]))
        if groups[3]:
            return date(int(groups[3]), int(groups[4]), int(groups[5]))
        return date(int(groups[8]), _MONTHS.index(groups[6].lower()) + 1, int(groups[7]))
    except ValueError:
        return None


def _date(text: str, *labels: str, window: int = 60) -> Field:
    for label in labels:
        for match in re.finditer(_label(label), text, re.IGNORECASE):
            found = re.search(_DATE, text[match.end(): match.end() + window], re.IGNORECASE)
            if found and (value := _parse_date(found)):
                return Field(value.isoformat(), LABELLED)
    for found in re.finditer(_DATE, text, re.IGNORECASE):
        if value := _parse_date(found):
            return Field(value.isoformat(), FALLBACK)
    return Field(None, MISSING)


def _text_after(text: str, *labels: str) -> Field:
    for label in labels:
        match = re.search(_label(label) + r"\W*[:#]?\s*([A-Za-z0-9][\w\-/]{1,30})", text,
                          re.IGNORECASE)
        if match:
            return Field(match.group(1), LABELLED)
    return Field(None, MISSING)


def _vendor(text: str) -> Field:
    for line in text.splitlines():
        cleaned = line.strip()
        if len(cleaned) >= 3 and re.search(r"[A-Za-z]{3}", cleaned) and \
                not re.search(r"invoice|receipt|statement|page", cleaned, re.IGNORECASE):
            return Field(cleaned[:120], FALLBACK + 0.2)
    return Field(None, MISSING)


def tax_year(text: str) -> Field:
    """The year the form is for: next to the form title if possible, else the most common
    plausible year in the text."""
    titled = re.search(r"(?:statement|form|schedule|year)\W*((?:19|20)\d{2})\b", text,
                       re.IGNORECASE) or re.search(r"\b((?:19|20)\d{2})\W*(?:form|w-?2)",
                                                   text, re.IGNORECASE)
    if titled and 1990 <= int(titled.group(1)) <= 2100:
        return Field(int(titled.group(1)), LABELLED)
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", text)
             if 1990 <= int(y) <= 2100]
    if years:
        return Field(Counter(years).most_common(1)[0][0], FALLBACK)
    return Field(None, MISSING)


# doc type -> (field name -> extractor), and which fields must be found.
def _w2(t: str) -> dict[str, Field]:
    return {"employer_ein": _ein(t, "employer identification number", "employer's ein",
                                 "employer ein", "ein"),
            "wages": _money(t, "wages, tips, other compensation", "wages tips other comp"),
            "federal_withholding": _money(t, "federal income tax withheld")}


def _1099(amount_labels: tuple[str, ...], key: str):
    def extract(t: str) -> dict[str, Field]:
        return {"payer_tin": _ein(t, "payer's tin", "payer tin", "payer's federal "
                                  "identification number"),
                key: _money(t, *amount_labels)}
    return extract


def _k1(t: str) -> dict[str, Field]:
    return {"entity_ein": _ein(t, "employer identification number", "partnership's ein",
                               "corporation's ein"),
            "ordinary_income": _money(t, "ordinary business income")}


def _bank(t: str) -> dict[str, Field]:
    return {"ending_balance": _money(t, "ending balance", "closing balance"),
            "beginning_balance": _money(t, "beginning balance", "opening balance"),
            "statement_date": _date(t, "statement period", "statement date", "through")}


def _invoice(t: str) -> dict[str, Field]:
    return {"invoice_number": _text_after(t, "invoice number", "invoice no", "invoice #"),
            "total": _money(t, "amount due", "total due", "balance due", "total"),
            "date": _date(t, "invoice date", "date"),
            "vendor": _vendor(t)}


def _receipt(t: str) -> dict[str, Field]:
    return {"total": _money(t, "total", "amount paid"),
            "date": _date(t, "date"),
            "vendor": _vendor(t)}


EXTRACTORS = {
    DocType.W2: (_w2, ("employer_ein", "wages")),
    DocType.F1099_NEC: (_1099(("nonemployee compensation",), "nonemployee_compensation"),
                        ("payer_tin", "nonemployee_compensation")),
    DocType.F1099_MISC: (_1099(("rents", "royalties", "other income"), "amount"),
                         ("payer_tin", "amount")),
    DocType.F1099_INT: (_1099(("interest income",), "interest_income"),
                        ("payer_tin", "interest_income")),
    DocType.F1099_DIV: (_1099(("total ordinary dividends",), "ordinary_dividends"),
                        ("payer_tin", "ordinary_dividends")),
    DocType.F1098: (_1099(("mortgage interest received",), "mortgage_interest"),
                    ("mortgage_interest",)),
    DocType.K1: (_k1, ("ordinary_income",)),
    DocType.BANK_STATEMENT: (_bank, ("ending_balance",)),
    DocType.INVOICE: (_invoice, ("total",)),
    DocType.RECEIPT: (_receipt, ("total",)),
}
TAX_FORMS = {DocType.W2, DocType.F1099_NEC, DocType.F1099_MISC, DocType.F1099_INT,
             DocType.F1099_DIV, DocType.F1098, DocType.K1}


@dataclass
class Extraction:
    fields: dict[str, dict]
    tax_year: int | None
    confidence: float  # the weakest required field


def extract_fields(doc_type: str, text: str) -> Extraction:
    extractor, required = EXTRACTORS.get(doc_type, (lambda t: {}, ()))
    found = extractor(text)
    year = tax_year(text)
    if doc_type in TAX_FORMS:
        found["tax_year"] = year
        required = (*required, "tax_year")
    fields = {name: {"value": f.value, "confidence": f.confidence}
              for name, f in found.items() if f.value is not None}
    confidence = min((found[name].confidence for name in required), default=1.0)
    if doc_type in TAX_FORMS:
        year_value = year.value
    else:
        # An invoice's or a statement's tax year is the year of its own date.
        dated = found.get("date") or found.get("statement_date")
        year_value = int(dated.value[:4]) if dated is not None and dated.value else None
    return Extraction(fields=fields, tax_year=year_value, confidence=confidence)
