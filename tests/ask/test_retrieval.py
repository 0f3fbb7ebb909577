"""Index and hybrid retrieval on real Postgres (pgvector + tsvector) inside firm schemas."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.db import connection

from apps.ask.chunking import CHUNK_CHARS, passages_of
from apps.ask.models import DocumentChunk
from apps.ask.selectors import ask, rrf_fuse
from apps.ask.services import document_index
from apps.documents.models import Document
from apps.documents.pipeline import document_process
from apps.documents.services import documents_upload
from tests.documents.samples import pdf_bytes, upload
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db

W2_LINES = ["Form W-2 Wage and Tax Statement 2024",
            "Employer identification number 12-3456789",
            "Wages, tips, other compensation 54,321.00",
            "Federal income tax withheld 6,543.21"]


def _document(client, name: str, text: str, **fields) -> Document:
    document = Document.objects.create(client=client, file_name=name, text=text,
                                       status=Document.Status.PROCESSED, **fields)
    document_index(document_id=document.pk)
    return document


def test_passages_keep_pages_offsets_and_overlap():
    page_one = " ".join(f"word{i}" for i in range(400))
    text = page_one + "\f" + "Second page lease for the warehouse"

    passages = passages_of(text)

    first_page = [p for p in passages if p.page == 1]
    assert len(first_page) >= 3
    for passage in passages:
        page_text = text.split("\f")[passage.page - 1]
        assert page_text[passage.start:passage.end] == passage.text
        assert len(passage.text) <= CHUNK_CHARS
    # Neighbouring windows overlap, so a value on a window edge is whole in one of them.
    assert all(b.start < a.end for a, b in pairwise(first_page))
    assert passages[-1].page == 2 and passages[-1].text.startswith("Second page")


def test_processed_document_is_indexed_idempotently_and_reindexed(in_firm_a):
    client = make_client()
    document = documents_upload(client=client, files=[upload("w2.pdf", pdf_bytes(W2_LINES))],
                                category="other", uploaded_by_id=None).created[0]
    document_process(document_id=document.pk)

    written = document_index(document_id=document.pk)
    again = document_index(document_id=document.pk)

    assert written == again >= 1
    assert DocumentChunk.objects.filter(document=document).count() == written
    Document.objects.filter(pk=document.pk).update(text="Lease agreement for the warehouse")
    document_index(document_id=document.pk)
    texts = list(DocumentChunk.objects.filter(document=document).values_list("body", flat=True))
    assert texts == ["Lease agreement for the warehouse"]
    Document.objects.filter(pk=document.pk).update(status=Document.Status.FAILED)
    assert document_index(document_id=document.pk) == 0
    assert not DocumentChunk.objects.filter(document=document).exists()


def test_answer_cites_document_page_and_span_and_gives_the_extracted_value(in_firm_a):
    client = make_client()
    w2 = _document(client, "w2-2024.pdf", "Cover letter from the payroll office\f"
                   + "\n".join(W2_LINES),
                   fields={"wages": {"value": "54321.00", "confidence": 0.95}})
    _document(client, "lease.pdf", "Commercial lease for the bakery premises, rent 2,000")

    answer = ask("What were the W-2 wages?", client_id=client.pk)

    top = answer.citations[0]
    assert (top.document_id, top.file_name, top.page) == (w2.pk, "w2-2024.pdf", 2)
    start, end = top.highlight
    assert "wages" in top.passage[start:end].lower()
    assert answer.values == [{"document_id": w2.pk, "file_name": "w2-2024.pdf",
                              "field": "wages", "label": "Wages", "value": "54321.00",
                              "confidence": 0.95}]


def test_client_scope_and_firm_scope(in_firm_a):
    maple, oak = make_client(), make_client()
    _document(maple, "maple-lease.pdf", "Lease for the bakery on Maple street")
    oak_doc = _document(oak, "oak-lease.pdf", "Lease for the workshop on Oak avenue")

    scoped = ask("lease", client_id=maple.pk)
    firm_wide = ask("lease")

    assert {c.client_id for c in scoped.citations} == {maple.pk}
    assert oak_doc.pk in {c.document_id for c in firm_wide.citations}


def test_another_firms_passages_are_never_found(firm_a, firm_b):
    connection.set_tenant(firm_b.firm)
    _document(make_client(), "secret.pdf", "Zanzibar holdings secret merger memo")
    connection.set_tenant(firm_a.firm)

    assert ask("Zanzibar holdings merger memo").citations == []


def test_deleted_document_is_not_cited(in_firm_a):
    document = _document(make_client(), "old.pdf", "Quarterly sales tax filing for Ohio")
    Document.objects.filter(pk=document.pk).update(deleted_at="2026-01-01T00:00:00Z")

    assert ask("Ohio sales tax filing").citations == []


def test_rrf_rewards_agreement_between_rankings():
    fused = rrf_fuse([1, 2, 3], [3, 4, 1])
    assert [chunk_id for chunk_id, _ in fused][:2] == [1, 3]


def test_empty_question_gives_no_citations(in_firm_a):
    assert ask("   ").citations == []
