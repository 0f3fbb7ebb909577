"""Writes for the document index: (re)build one document's passages."""

from __future__ import annotations

from django.db import transaction

from apps.ask.chunking import passages_of
from apps.ask.models import DocumentChunk
from apps.documents.models import Document
from apps.marketplace.embedding import embedder_get

# Documents whose text is final enough to answer from.
INDEXABLE_STATUSES = (Document.Status.PROCESSED, Document.Status.NEEDS_REVIEW,
                      Document.Status.APPROVED)


@transaction.atomic
def document_index(*, document_id: int) -> int:
    """Replace the document's passages with ones cut from its current text. Idempotent:
    running it twice leaves the same rows; a deleted, failed or textless document ends
    with none. Returns the number of passages written."""
    document = (Document.objects.select_for_update().filter(pk=document_id)
                .only("id", "client_id", "text", "status", "deleted_at").first())
    DocumentChunk.objects.filter(document_id=document_id).delete()
    if document is None or document.deleted_at is not None \
            or document.status not in INDEXABLE_STATUSES:
        return 0
    return passages_write(document_id=document.pk, client_id=document.client_id,
                          text=document.text or "")


def passages_write(*, document_id: int, client_id: int, text: str) -> int:
    """Write the passages of `text` for a document that has none (callers delete old
    ones first). The document pipeline calls this directly for a small document, in the
    transaction that stores its result: no task, and no re-read of the text it holds."""
    passages = passages_of(text)
    if not passages:
        return 0
    vectors = embedder_get().embed([p.text for p in passages])
    DocumentChunk.objects.bulk_create([
        DocumentChunk(document_id=document_id, client_id=client_id, page=p.page,
                      char_start=p.start, char_end=p.end, body=p.text, embedding=vector.tolist())
        for p, vector in zip(passages, vectors, strict=True)], batch_size=500)
    return len(passages)
