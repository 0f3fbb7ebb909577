"""Passages of a firm's documents, indexed for questions (per firm, in the firm's schema).

A document's text is cut into overlapping windows page by page; each row keeps the page
number and the character offsets of its window inside that page, so an answer can cite
and highlight the exact span. Two indexes serve the hybrid retrieval: HNSW over the
embedding (cosine) and GIN over the generated English tsvector. The HNSW index is on
`embedding::vector(256)` (migration 0002): new firm schemas are cloned from a template and
the clone drops a column's dimensions, which a plain-column HNSW index needs, so the
column has none and the index is on the cast; queries order by the same cast.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from pgvector.django import VectorField


class DocumentChunk(models.Model):
    # No index of its own: ask_chunk_document_page (document, page) serves it.
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE,
                                 related_name="chunks", db_index=False)
    # Copied from the document so a client-scoped question filters without a join.
    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, related_name="+")
    page = models.PositiveIntegerField()
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    body = models.TextField()
    # No width on the column itself (see the module note); the index and queries cast to
    # vector(EMBEDDING_DIMENSIONS), and the embedder always gives that width.
    embedding = VectorField()
    search = models.GeneratedField(
        expression=SearchVector("body", config="english"),
        output_field=SearchVectorField(), db_persist=True)

    class Meta:
        ordering = ["document_id", "page", "char_start"]
        indexes = [
            models.Index(fields=["document", "page"], name="ask_chunk_document_page"),
            GinIndex(fields=["search"], name="ask_chunk_search"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} p{self.page} {self.char_start}-{self.char_end}"
