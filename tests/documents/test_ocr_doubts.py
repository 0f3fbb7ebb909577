"""Look-alike characters in OCR-read identifiers and names are doubted (sent to review with
the reason), never in a file's own text: the held-out captures had three invoice numbers
"SO68331" read as "S068331" and a vendor "Ironbridge" read as "lronbridge", all
auto-accepted."""

from __future__ import annotations

import pytest

from apps.documents.fields import Field
from apps.documents.models import Document
from apps.documents.ocr_doubts import ocr_doubts
from apps.documents.pipeline import analyse_text

INVOICE = "\n".join(["Northwind Office Supply", "INVOICE", "Invoice Number: {number}",
                     "Invoice Date: 03/14/2025", "Bill To: Maple Bakery LLC",
                     "Printer paper 12 x 8.50", "Amount Due: $1,234.56"])


@pytest.mark.parametrize("number", ["S068331", "INV10234", "A0B12"])
def test_an_ocr_read_identifier_with_look_alikes_goes_to_review(number):
    outcome = analyse_text(INVOICE.format(number=number), source="ocr", text_confidence=0.95)
    assert outcome.doc_type == "invoice"
    assert outcome.fields["invoice_number"]["value"] == number  # kept, only doubted
    assert outcome.fields["invoice_number"]["confidence"] <= 0.6
    assert "look alike" in outcome.fields["invoice_number"]["note"]
    assert outcome.status == Document.Status.NEEDS_REVIEW
    assert "Invoice number" in outcome.failure_reason


@pytest.mark.parametrize("number", ["S068331", "INV-2041"])
def test_the_files_own_text_is_not_doubted(number):
    outcome = analyse_text(INVOICE.format(number=number), source="embedded",
                           text_confidence=1.0)
    assert "note" not in outcome.fields["invoice_number"]
    assert outcome.status == Document.Status.PROCESSED


def test_an_identifier_without_a_look_alike_boundary_is_trusted_from_ocr():
    outcome = analyse_text(INVOICE.format(number="INV-2041"), source="ocr",
                           text_confidence=0.95)
    assert outcome.fields["invoice_number"]["confidence"] >= 0.9
    assert outcome.status == Document.Status.PROCESSED


@pytest.mark.parametrize(("vendor", "doubted"), [
    ("lronbridge Capital Advisors", True), ("Ironbridge Capital Advisors", False),
    ("Lloyd & Sons", False), ("Acme Ltd", False), ("Blue Ridge Dental PC", False),
    ("Metro Fuel #27", False)])
def test_a_name_with_a_lower_case_l_for_a_capital_i_is_doubted(vendor, doubted):
    found = {"vendor": Field(vendor, 0.95)}
    ocr_doubts(found)
    assert (found["vendor"].confidence <= 0.6) is doubted
    assert bool(found["vendor"].note) is doubted
