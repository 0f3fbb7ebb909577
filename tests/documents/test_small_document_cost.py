"""What processing a small text document costs the database, and that the cheaper path
still leaves it searchable and indexed for questions (apps/documents/pipeline.py)."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery

from apps.ask.models import DocumentChunk
from apps.documents.models import Document
from apps.documents.pipeline import INLINE_INDEX_CHARS, document_process
from apps.documents.services import documents_upload
from tests.documents.samples import upload

pytestmark = pytest.mark.django_db

RECEIPT = (b"vendor,date,description,total\n"
           b"Office Supply Co,2026-03-14,Receipt 81234,412.00\n")


def _queued(client, name: str, content: bytes) -> Document:
    return documents_upload(client=client, files=[upload(name, content)], category="receipt",
                            uploaded_by_id=None).created[0]


def _queued_after(callbacks) -> set[str]:
    """The functions that queued the after-commit callbacks (their closures' owners)."""
    return {callback.__qualname__.split(".")[0] for callback in callbacks}


def test_a_small_text_document_is_processed_in_a_fixed_number_of_statements(
        client_a, django_assert_num_queries, django_capture_on_commit_callbacks):
    document = _queued(client_a, "receipt.csv", RECEIPT)

    # Claim: SELECT .. FOR UPDATE and one UPDATE, in a savepoint (2). Result: one UPDATE
    # holding the search vector, the checklist look-up and one INSERT of its passages, in
    # a savepoint (2). No heartbeat, no re-read of the attempt, no layout to delete, no
    # indexing task.
    with django_capture_on_commit_callbacks() as after_commit, \
            django_assert_num_queries(9):
        report = document_process(document_id=document.pk)

    assert report.status in (Document.Status.PROCESSED, Document.Status.NEEDS_REVIEW)
    assert "index_after_commit" not in _queued_after(after_commit)


def test_the_small_document_is_searchable_and_its_passages_exist_once_processed(client_a):
    document = _queued(client_a, "receipt.csv", RECEIPT)

    document_process(document_id=document.pk)

    found = Document.objects.filter(search=SearchQuery("81234 Supply", config="english"))
    assert list(found.values_list("pk", flat=True)) == [document.pk]
    by_name = Document.objects.filter(search=SearchQuery("receipt.csv", config="english"))
    assert document.pk in set(by_name.values_list("pk", flat=True))
    passages = list(DocumentChunk.objects.filter(document_id=document.pk)
                    .values_list("client_id", "body"))
    assert len(passages) == 1
    assert passages[0][0] == client_a.pk and "Office Supply Co" in passages[0][1]


def test_a_longer_text_is_indexed_by_a_task_after_commit(
        client_a, django_capture_on_commit_callbacks):
    rows = "".join(f"Office Supply Co,2026-03-14,Receipt {n},{n}.00\n"
                   for n in range(INLINE_INDEX_CHARS // 40))
    document = _queued(client_a, "receipts.csv", b"vendor,date,description,total\n"
                       + rows.encode())

    with django_capture_on_commit_callbacks() as after_commit:
        document_process(document_id=document.pk)

    assert DocumentChunk.objects.filter(document_id=document.pk).count() == 0
    assert "index_after_commit" in _queued_after(after_commit)
