"""Hybrid retrieval over a firm's document passages.

Two rankings are made in Postgres: nearest passages by embedding (HNSW, cosine) and best
full-text matches (GIN, ts_rank_cd over an OR of the question's words). They are fused by
reciprocal rank fusion (score = sum of 1 / (RRF_K + rank)), which needs no score
calibration between the two. Callers decide who may ask (apps/ask/views.py): this module
only ever reads the current firm's schema, optionally narrowed to one client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection, transaction

from apps.ask.models import DocumentChunk
from apps.documents.models import Document
from apps.marketplace.embedding import embedder_get
from apps.marketplace.models import EMBEDDING_DIMENSIONS as DIMS

RRF_K = 60
CANDIDATES = 50  # per ranking, before fusion
EF_SEARCH = 80
# Cosine distance beyond which a passage is unrelated (WordLlama: an unrelated question
# scores similarity around 0 to 0.1, a loosely related one 0.15 and up).
MAX_DISTANCE = 0.85
_WORD = re.compile(r"[a-z0-9]+")
_STOP_TEXT = (
    "a an and are as at be by did do does for from had has have how i in is it its of on or "
    "our that the their this to was we were what when where which who why will with you "
    "your much many show me find tell")
_STOP = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class Citation:
    document_id: int
    file_name: str
    client_id: int
    page: int
    start: int
    end: int
    passage: str
    highlight: tuple[int, int] | None  # span inside `passage` that matched best
    score: float

    # The passage in three parts around the highlight, for pages to mark it up.
    @property
    def before(self) -> str:
        return self.passage[:self.highlight[0]] if self.highlight else self.passage

    @property
    def marked(self) -> str:
        return self.passage[self.highlight[0]:self.highlight[1]] if self.highlight else ""

    @property
    def after(self) -> str:
        return self.passage[self.highlight[1]:] if self.highlight else ""


@dataclass
class Answer:
    question: str
    citations: list[Citation] = field(default_factory=list)
    # Extracted values (document fields) the question names, from the cited documents.
    values: list[dict] = field(default_factory=list)
    generated: str = ""


def question_words(question: str) -> list[str]:
    return [w for w in _WORD.findall(question.lower()) if w not in _STOP]


def _vector_ranking(vector: list[float], client_id: int | None) -> list[int]:
    where = "WHERE client_id = %s" if client_id else ""
    params: list = [*([client_id] if client_id else []), str(vector)]
    # The search breadth is set for this transaction only (it holds for this query).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(EF_SEARCH)])
        # Only the model's table name and fixed clauses are formatted in; values are bound.
        cursor.execute(
            f"SELECT id, embedding::vector({DIMS}) <=> %s::vector({DIMS}) AS distance "  # noqa: S608
            f"FROM {DocumentChunk._meta.db_table} {where} "
            f"ORDER BY embedding::vector({DIMS}) <=> %s::vector({DIMS}) "
            f"LIMIT {CANDIDATES}", [str(vector), *params])
        # Nearest is not the same as related: a question about nothing in the documents
        # would otherwise still "find" the closest passages.
        return [row[0] for row in cursor.fetchall() if row[1] <= MAX_DISTANCE]


def _text_ranking(words: list[str], client_id: int | None) -> list[int]:
    if not words:
        return []
    query = " | ".join(words)
    where = "AND client_id = %s" if client_id else ""
    params: list = [query, *([client_id] if client_id else []), query]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {DocumentChunk._meta.db_table} "  # noqa: S608
            f"WHERE search @@ to_tsquery('english', %s) {where} "
            f"ORDER BY ts_rank_cd(search, to_tsquery('english', %s)) DESC, id "
            f"LIMIT {CANDIDATES}", params)
        return [row[0] for row in cursor.fetchall()]


def rrf_fuse(*rankings: list[int]) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _highlight(passage: str, words: list[str]) -> tuple[int, int] | None:
    """The shortest stretch of the passage's words holding the most question words."""
    lowered = passage.lower()
    hits = sorted((m.start(), m.end()) for w in set(words)
                  for m in re.finditer(rf"\b{re.escape(w)}\w*", lowered))
    if not hits:
        return None
    best = hits[0]
    best_count = 1
    for i, (start, _) in enumerate(hits):
        inside = [h for h in hits[i:] if h[1] - start <= 120]
        if len(inside) > best_count:
            best, best_count = (start, inside[-1][1]), len(inside)
    return best


def _values(question_terms: set[str], documents: dict[int, Document]) -> list[dict]:
    values = []
    for document in documents.values():
        for name, found in (document.fields or {}).items():
            if not isinstance(found, dict) or found.get("value") in (None, ""):
                continue
            parts = [p for p in name.split("_") if p not in _STOP]
            if parts and all(any(t.startswith(p[:5]) for t in question_terms) for p in parts):
                values.append({"document_id": document.pk, "file_name": document.file_name,
                               "field": name, "label": name.replace("_", " ").capitalize(),
                               "value": found["value"],
                               "confidence": found.get("confidence")})
    return values


def ask(question: str, *, client_id: int | None = None, limit: int = 5) -> Answer:
    """The passages that best answer `question` in this firm (or one of its clients)."""
    answer = Answer(question=question.strip())
    words = question_words(answer.question)
    if not answer.question:
        return answer
    vector = embedder_get().embed([answer.question])[0].tolist()
    fused = rrf_fuse(_vector_ranking(vector, client_id), _text_ranking(words, client_id))
    top = fused[:limit]
    chunks = DocumentChunk.objects.in_bulk([chunk_id for chunk_id, _ in top])
    documents = Document.objects.filter(
        pk__in={c.document_id for c in chunks.values()}, deleted_at__isnull=True
    ).only("id", "file_name", "client_id", "fields").in_bulk()
    for chunk_id, score in top:
        chunk = chunks.get(chunk_id)
        document = documents.get(chunk.document_id) if chunk else None
        if document is None:
            continue
        answer.citations.append(Citation(
            document_id=document.pk, file_name=document.file_name, client_id=chunk.client_id,
            page=chunk.page, start=chunk.char_start, end=chunk.char_end, passage=chunk.body,
            highlight=_highlight(chunk.body, words), score=round(score, 5)))
    answer.values = _values(set(words), documents)
    return answer
