"""A field the pipeline does not trust sends its document to review with the reason, and
the reason reaches the reviewer: the document page, the API and the review status."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.documents.models import DocType, Document
from apps.documents.pipeline import document_process
from apps.documents.services import documents_upload
from tests.documents.samples import pdf_bytes, upload

pytestmark = pytest.mark.django_db

# The outside report: "TOTAL 1.46.58" was stored as 1.46 at confidence 0.95.
MISREAD_RECEIPT = ["Corner Market", "SALES RECEIPT", "Date: 01/02/2025", "Cashier: Ann",
                   "Paper towels 137.00", "Subtotal 137.00", "Tax 9.58", "TOTAL 1.46.58",
                   "Thank you for your purchase!"]


def _processed(client, lines) -> Document:
    document = documents_upload(client=client, files=[upload("receipt.pdf", pdf_bytes(lines))],
                                category="other", uploaded_by_id=None).created[0]
    document_process(document_id=document.pk)
    document.refresh_from_db()
    return document


def test_a_misread_total_waits_for_review_with_its_reason_on_the_page_and_in_the_api(
        in_firm_a, client_a):
    document = _processed(client_a, MISREAD_RECEIPT)

    assert (document.status, document.doc_type) == (Document.Status.NEEDS_REVIEW,
                                                    DocType.RECEIPT)
    total = document.fields["total"]
    # subtotal + tax = 146.58 picks the right reading, still for a person to confirm.
    assert total["value"] == "146.58" and total["confidence"] < 0.8
    assert "can be read as 146.58 or 1.46" in total["note"]
    assert document.failure_reason.startswith("Total: “1.46.58” can be read as")

    connection.set_schema_to_public()
    http = in_firm_a.client(Role.STAFF_ACCOUNTANT)
    page = http.get(f"/documents/{document.pk}/").content.decode()
    body = http.get(f"/api/v1/documents/{document.pk}/").json()

    assert "can be read as 146.58 or 1.46: check the amount" in page
    assert "Needs review: Total:" in page
    assert body["fields"]["total"]["note"] == total["note"]


def test_a_clean_receipt_is_processed_without_notes(in_firm_a, client_a):
    lines = [*MISREAD_RECEIPT[:7], "TOTAL 146.58", MISREAD_RECEIPT[-1]]
    document = _processed(client_a, lines)

    assert document.status == Document.Status.PROCESSED and document.failure_reason == ""
    assert document.fields["total"] == {"value": "146.58", "confidence": 0.95}
    assert not any("note" in f for f in document.fields.values())
