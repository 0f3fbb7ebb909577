"""Key fields from a document's text, each with a confidence and, when it is not
trusted, a note saying why (shown to the reviewer).

Labels are matched with optional spaces between every word (OCR drops them), and values
are the first money amount, EIN or date after their label. Amounts are read by what an
amount can be (amounts.py): one printed cleanly next to its label is trusted, one whose
separators needed a repair or that reads two ways is not. The plausibility checks
(plausibility.py) then test the values against each other and against what the form
allows. The confidences are the observed accuracies of each kind of evidence on the
development half of the held-out evaluation set (manage.py eval_calibration).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date

from apps.documents.amounts import AmountReading, first_amount
from apps.documents.models import DocType

# Calibrated on the development half (see the module docstring); every value that is not
# trusted lies below DOCUMENTS_REVIEW_THRESHOLD (0.8) so its document waits for review.
LABELLED = 0.95
FALLBACK = 0.6
MISSING = 0.3
REPAIRED = 0.6  # an amount whose separators had to be repaired
AMBIGUOUS = 0.4  # an amount, or a year, that reads more than one way
VENDOR = 0.8  # the first line that reads like a name

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
    note: str = ""  # why the value is not trusted, for the reviewer
    readings: tuple[str, ...] = ()  # every reading of an ambiguous amount

    def distrust(self, confidence: float, note: str) -> None:
        self.confidence = min(self.confidence, confidence)
        self.note = f"{self.note}; {note}" if self.note else note


def _amount_field(reading: AmountReading) -> Field:
    if reading.clean:
        return Field(str(reading.value), LABELLED)
    return Field(str(reading.value), AMBIGUOUS if reading.ambiguous else REPAIRED,
                 reading.note, tuple(str(v) for v in reading.values))


def _money(text: str, *labels: str, window: int = 120) -> Field:
    unreadable: Field | None = None
    for label in labels:
        for match in re.finditer(_label(label), text, re.IGNORECASE):
            # The window ends with its line, never inside an amount ("$ 27" of 27,726.04).
            end = text.find("\n", match.end() + window)
            reading = first_amount(text[match.end(): end if end >= 0 else len(text)])
            if reading is None:
                continue
            if not reading.values:
                unreadable = unreadable or Field(None, MISSING, reading.note)
                continue
            return _amount_field(reading)
    return unreadable or Field(None, MISSING)


def _line_money(text: str, label: str) -> Field:
    """An amount on the line that starts with `label` ("Tax (7%) 9.61"): for short labels
    that also occur inside other words or titles ("TAX INVOICE"). The label ends where a
    letter does not follow, so a value OCR glued to it ("Subtotal74.82", "Tax3.74") is
    still its value, while "Taxes" or "Taxable" is another label."""
    for match in re.finditer(rf"^[ \t]*{label}(?![a-z])\W*(.*)$", text,
                             re.IGNORECASE | re.MULTILINE):
        reading = first_amount(match.group(1))
        if reading is not None and reading.values:
            return _amount_field(reading)
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
    """The issuer: the first line that reads like a name. OCR often loses the spaces of a
    scanned name ("QuarryHill FabricationLLC", "MetroFuel#27"): they are restored, and the
    name is then not trusted as read (on the development half none was right as read)."""
    for line in text.splitlines():
        cleaned = line.strip()
        if len(cleaned) >= 3 and re.search(r"[A-Za-z]{3}", cleaned) and \
                not re.search(r"invoice|receipt|statement|page", cleaned, re.IGNORECASE):
            spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=\w)(?=[#&(])|(?<=[&)])(?=\w)", " ",
                            cleaned)
            if spaced != cleaned:
                return Field(spaced[:120], REPAIRED,
                             f"spaces restored in the name read as “{cleaned[:60]}”")
            return Field(cleaned[:120], VENDOR)
    return Field(None, MISSING)


_YEAR = r"((?:19|20)\d{2})(?!\d)"
# Where forms print the year they are for: "For calendar year 2024", "Tax year 2024",
# "2024 Form 1099-NEC", "Form 1099-INT 2024", "Schedule K-1 (Form 1065) 2024",
# "Wage and Tax Statement 2024", "2024 W-2". A revision date ("Rev. January 2024") is not
# the tax year, and neither is a date (01/15/2025) printed on the form.
_YEAR_PLACES = [
    rf"(?:tax|calendar|fiscal|for(?:\s*the)?)\s*year\W{{0,3}}{_YEAR}",
    rf"(?<![\d/-]){_YEAR}\W{{0,3}}(?:form|schedule|w\W?2|1099|1098|k\W?1)(?![a-z])",
    rf"(?:form|schedule)\s*(?:w\W?2|1099\W?[a-z]{{3,4}}|1098|k\W?1)"
    rf"(?:\s*\W?\s*form\s*\d{{4}}(?:-?\w)?\s*\W?)?\W{{0,3}}{_YEAR}(?![/\d])",
    rf"statement\W{{0,3}}{_YEAR}(?![/\d])",
    rf"\b(?:w\W?2|1099\W?[a-z]{{3,4}}|1098|k\W?1)\W{{0,3}}{_YEAR}(?![/\d])",
]
_NOT_TAX_YEAR = re.compile(r"rev\W*(?:\w+\W*)?$|\d\s*[/-]\s*$", re.IGNORECASE)


def tax_year(text: str) -> Field:
    """The year the form is for, from the places forms print it; when those disagree the
    value reads two ways (not trusted); else the most common plausible year (fallback)."""
    placed: list[int] = []
    for pattern in _YEAR_PLACES:
        for found in re.finditer(pattern, text, re.IGNORECASE):
            before = text[max(0, found.start(1) - 16): found.start(1)]
            if not _NOT_TAX_YEAR.search(before):
                placed.append(int(found.group(1)))
    placed = [y for y in placed if 1990 <= y <= 2100]
    if placed:
        ranked = Counter(placed).most_common()
        if len(ranked) == 1:
            return Field(ranked[0][0], LABELLED)
        years = " and ".join(str(y) for y, _ in ranked)
        return Field(ranked[0][0], AMBIGUOUS, f"the form names several years ({years})",
                     tuple(str(y) for y, _ in ranked))
    years = [int(y) for y in re.findall(rf"(?<!\d){_YEAR}", text) if 1990 <= int(y) <= 2100]
    if years:
        return Field(Counter(years).most_common(1)[0][0], FALLBACK,
                     "the year is not printed where the form names its year")
    return Field(None, MISSING)


# doc type -> (field name -> extractor), and which fields must be found.
def _w2(t: str) -> dict[str, Field]:
    return {"employer_ein": _ein(t, "employer identification number",
                                 "employer's identification number", "employer's ein",
                                 "employer ein", "ein"),
            "wages": _money(t, "wages, tips, other compensation", "wages tips other comp"),
            "federal_withholding": _money(t, "federal income tax withheld"),
            "social_security_wages": _money(t, "social security wages"),
            "social_security_tax": _money(t, "social security tax withheld"),
            "medicare_wages": _money(t, "medicare wages and tips"),
            "medicare_tax": _money(t, "medicare tax withheld")}


def _1099(amount_labels: tuple[str, ...], key: str):
    def extract(t: str) -> dict[str, Field]:
        return {"payer_tin": _ein(t, "payer's tin", "payer tin", "payer's federal "
                                  "identification number"),
                key: _money(t, *amount_labels)}
    return extract


def _1098(t: str) -> dict[str, Field]:
    # The lender files a 1098; the payer is the borrower (whose TIN is an SSN).
    return {"lender_tin": _ein(t, "recipient's/lender's tin", "lender's tin",
                               "recipient's tin", "recipient's federal identification number"),
            "mortgage_interest": _money(t, "mortgage interest received")}


def _k1(t: str) -> dict[str, Field]:
    return {"entity_ein": _ein(t, "employer identification number", "partnership's ein",
                               "corporation's ein"),
            "ordinary_income": _money(t, "ordinary business income")}


def _bank(t: str) -> dict[str, Field]:
    return {"ending_balance": _money(t, "ending balance", "closing balance"),
            "beginning_balance": _money(t, "beginning balance", "opening balance"),
            "statement_date": _statement_date(t)}


def _statement_date(text: str) -> Field:
    """The day the statement closes: the end of its period ("01/01/2025 - 01/31/2025",
    "... through 01/31/2025"), else the date printed as the statement date."""
    for match in re.finditer(_label("statement period"), text, re.IGNORECASE):
        dates = [d for found in re.finditer(_DATE, text[match.end(): match.end() + 80],
                                            re.IGNORECASE) if (d := _parse_date(found))]
        if len(dates) >= 2:
            return Field(dates[1].isoformat(), LABELLED)
    return _date(text, "statement date", "closing date", "through")


def _invoice(t: str) -> dict[str, Field]:
    return {"invoice_number": _text_after(t, "invoice number", "invoice no", "invoice #"),
            "total": _money(t, "amount due", "total due", "balance due", "total"),
            "subtotal": _line_money(t, r"sub\s*-?\s*total"),
            "tax": _line_money(t, r"(?:sales\s*)?tax(?:\s*\(?\s*[\d.]+\s*%\s*\)?)?"),
            "date": _date(t, "invoice date", "date"),
            "vendor": _vendor(t)}


def _receipt(t: str) -> dict[str, Field]:
    date_found = _date(t, "date")
    if date_found.confidence < LABELLED:
        # Tills print the date unlabelled near the top, next to the time: that is its
        # standard place (right on every receipt of the development half).
        top = _date("\n".join(t.splitlines()[:6]))
        if top.value is not None:
            date_found = Field(top.value, LABELLED)
    return {"total": _money(t, "total", "amount paid"),
            "subtotal": _line_money(t, r"sub\s*-?\s*total"),
            "tax": _line_money(t, r"(?:sales\s*)?tax(?:\s*\(?\s*[\d.]+\s*%\s*\)?)?"),
            "date": date_found,
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
    DocType.F1098: (_1098, ("mortgage_interest",)),
    DocType.K1: (_k1, ("ordinary_income",)),
    DocType.BANK_STATEMENT: (_bank, ("ending_balance",)),
    DocType.INVOICE: (_invoice, ("total",)),
    DocType.RECEIPT: (_receipt, ("total",)),
}
TAX_FORMS = {DocType.W2, DocType.F1099_NEC, DocType.F1099_MISC, DocType.F1099_INT,
             DocType.F1099_DIV, DocType.F1098, DocType.K1}


@dataclass
class Extraction:
    fields: dict[str, dict]  # name -> {"value", "confidence"[, "note"]}
    tax_year: int | None
    confidence: float  # the weakest field, a missing required field counting as MISSING
    notes: list[str] = dataclass_field(default_factory=list)  # why it is not trusted


def extract_fields(doc_type: str, text: str, *, today: date | None = None,
                   read_by_ocr: bool = False) -> Extraction:
    """Every field of `doc_type` found in `text`, checked for plausibility. The
    confidence is that of the weakest value shown (a value that is shown must be right
    or send its document to review) or MISSING when a required field was not found.
    `read_by_ocr`: the text came from an image, so look-alike characters are doubted too
    (apps/documents/ocr_doubts.py)."""
    from apps.documents.plausibility import check_plausibility

    extractor, required = EXTRACTORS.get(doc_type, (lambda t: {}, ()))
    found = extractor(text)
    year = tax_year(text)
    if doc_type in TAX_FORMS:
        found["tax_year"] = year
        required = (*required, "tax_year")
    check_plausibility(doc_type, found, today=today or date.today())
    if read_by_ocr:
        from apps.documents.ocr_doubts import ocr_doubts

        ocr_doubts(found)
    fields: dict[str, dict] = {}
    for name, f in found.items():
        if f.value is None:
            continue
        fields[name] = {"value": f.value, "confidence": f.confidence}
        if f.note:
            fields[name]["note"] = f.note
    weakest = [f.confidence for f in found.values() if f.value is not None]
    weakest += [MISSING for name in required if found[name].value is None]
    notes = [f"{_label_of(name)}: {f.note}" for name, f in found.items()
             if f.note and (f.value is not None or name in required)]
    notes += [f"{_label_of(name)}: not found" for name in required
              if found[name].value is None and not found[name].note]
    if doc_type in TAX_FORMS:
        year_value = year.value
    else:
        # An invoice's or a statement's tax year is the year of its own date.
        dated = found.get("date") or found.get("statement_date")
        year_value = int(dated.value[:4]) if dated is not None and dated.value else None
    return Extraction(fields=fields, tax_year=year_value,
                      confidence=min(weakest, default=1.0), notes=notes)


def _label_of(name: str) -> str:
    from advisoros.labels import label

    return label("document_field", name)
