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
# Firm-wide full text (see text_ranking): a word in at most RARE_ROWS passages is rare; one
# in more than EVERYWHERE of them selects nothing; more than MAX_RANKED rows are not ranked.
RARE_ROWS = 200
EVERYWHERE = 0.1
MAX_RANKED = 500
# Hyphenated tokens stay whole ("inv-27212", "w-2"): Postgres reads "INV-27212" as "inv"
# and "-27212", and only the whole token gives it the same lexemes.
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
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
    """Nearest passages by cosine distance.

    Firm-wide: the HNSW index (ordering by the indexed cast). One client: an exact scan of
    that client's passages (found through the client index), ordering by the bare column
    so the planner cannot take the HNSW index: pgvector 0.6 filters an HNSW scan's
    ef_search candidates *after* the scan, so a client holding a small share of the firm's
    passages would get few or none of its own back. A client's passages are few enough to
    score exactly (400 in the benchmark: about a millisecond)."""
    table = DocumentChunk._meta.db_table
    # Only the model's table name and fixed clauses are formatted in; values are bound.
    if client_id:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, embedding <=> %s::vector AS distance FROM {table} "  # noqa: S608
                f"WHERE client_id = %s ORDER BY 2, id LIMIT {CANDIDATES}",
                [str(vector), client_id])
            return [row[0] for row in cursor.fetchall() if row[1] <= MAX_DISTANCE]
    with transaction.atomic(), connection.cursor() as cursor:
        # The search breadth is set for this transaction only (it holds for this query).
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(EF_SEARCH)])
        cursor.execute(
            f"SELECT id, embedding::vector({DIMS}) <=> %s::vector({DIMS}) "  # noqa: S608
            f"FROM {table} ORDER BY embedding::vector({DIMS}) <=> %s::vector({DIMS}) "
            f"LIMIT {CANDIDATES}", [str(vector), str(vector)])
        # Nearest is not the same as related: a question about nothing in the documents
        # would otherwise still "find" the closest passages.
        return [row[0] for row in cursor.fetchall() if row[1] <= MAX_DISTANCE]


# The question's lexemes with the number of passages the planner's statistics expect to
# hold each (pg_stats.most_common_elems of the tsvector column, kept by ANALYZE and
# autovacuum; a lexeme missing from the list is rarer than every one in it).
_LEXEME_ROWS_SQL = """
    SELECT q.lexeme, COALESCE(s.freqs[array_position(s.elems, q.lexeme)], 0),
           GREATEST(c.reltuples, 0)
    FROM unnest(to_tsvector('english', %s)) AS q
    CROSS JOIN (SELECT reltuples FROM pg_class WHERE oid = %s::regclass) AS c
    LEFT JOIN (SELECT most_common_elems::text::text[] AS elems,
                      most_common_elem_freqs AS freqs
               FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s
                 AND attname = 'search') AS s ON true
"""


def _tsquery(lexemes: list[str], operator: str) -> str:
    return f" {operator} ".join("'" + lexeme.replace("'", "''") + "'" for lexeme in lexemes)


def text_ranking(words: list[str], client_id: int | None) -> list[int]:
    """Best full-text matches, ranked by ts_rank_cd over an OR of the question's words.

    Ranking reads every selected row's tsvector (tens of microseconds each), and across a
    whole firm a word such as "wages" or "2024" is in tens of thousands of passages. So
    firm-wide the rows are selected by the question's rare words (expected in at most
    RARE_ROWS passages by the planner's statistics) OR-ed, or, when it has none, by all its
    words that are not everywhere (at most EVERYWHERE of the passages) AND-ed; and they
    are ranked only when at most MAX_RANKED rows are selected: beyond that the words tell
    passages apart too little to be worth it, and the vector ranking answers alone. The
    selection is counted with a LIMIT, never in full. One client's passages are few: all
    of its OR matches are ranked."""
    if not words:
        return []
    table = DocumentChunk._meta.db_table
    with connection.cursor() as cursor:
        if client_id:
            query = " | ".join(words)
            cursor.execute(
                f"SELECT id FROM {table} "  # noqa: S608
                "WHERE search @@ to_tsquery('english', %s) AND client_id = %s "
                "ORDER BY ts_rank_cd(search, to_tsquery('english', %s)) DESC, id "
                f"LIMIT {CANDIDATES}", [query, client_id, query])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(_LEXEME_ROWS_SQL, [" ".join(words), table, table])
        found = cursor.fetchall()
        if not found:
            return []
        passages = float(found[0][2])
        expected = {lexeme: float(share) * passages for lexeme, share, _ in found}
        ranking = _tsquery(list(expected), "|")
        rare = [lexeme for lexeme, rows in expected.items() if rows <= RARE_ROWS]
        if rare:
            selecting = _tsquery(rare, "|")
        else:
            usable = [lexeme for lexeme, rows in expected.items()
                      if rows <= EVERYWHERE * passages]
            if not usable:
                return []
            selecting = _tsquery(usable, "&")
        cursor.execute(
            f"WITH selected AS MATERIALIZED (SELECT id, search FROM {table} "  # noqa: S608
            f"  WHERE search @@ %s::tsquery LIMIT {MAX_RANKED + 1}) "
            "SELECT id FROM selected "
            f"WHERE (SELECT count(*) FROM selected) <= {MAX_RANKED} "
            f"ORDER BY ts_rank_cd(search, %s::tsquery) DESC, id LIMIT {CANDIDATES}",
            [selecting, ranking])
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
    fused = rrf_fuse(_vector_ranking(vector, client_id), text_ranking(words, client_id))
    top = fused[:limit]
    # One query for the passages and their documents, without the vector or the tsvector
    # (neither is shown, and they are most of a row).
    chunks = (DocumentChunk.objects
              .filter(pk__in=[chunk_id for chunk_id, _ in top], document__deleted_at__isnull=True)
              .select_related("document")
              .only("id", "document_id", "client_id", "page", "char_start", "char_end", "body",
                    "document__id", "document__file_name", "document__client_id",
                    "document__fields")
              .in_bulk())
    documents = {chunk.document_id: chunk.document for chunk in chunks.values()}
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
