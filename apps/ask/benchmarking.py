"""The workload `bench_ask` times: one firm holding many passages, and distinct questions.

The passages are cut (apps/ask/chunking.py) from documents made by the document corpus
generator (apps/documents/corpus.py: W-2s, 1099s, 1098s, invoices, receipts, bank
statements, several pages per file), embedded with the real embedder in batches and
loaded with COPY; the HNSW index is dropped during the load and rebuilt once after it
(building it row by row as inserts arrive is many times slower). The firm is kept
between runs: building 200,000 passages costs minutes, measuring costs seconds.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection
from django_tenants.utils import schema_context

from advisoros.db_roles import migration_role
from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.ask.chunking import passages_of
from apps.ask.models import DocumentChunk
from apps.documents import corpus
from apps.documents.models import Document
from apps.firms.models import Firm
from apps.firms.services import firm_create, firm_delete
from apps.marketplace.embedding import embedder_get
from apps.portal.models import Client

PASSAGES_PER_CLIENT = 400
EMBED_BATCH = 2000
HNSW_INDEX_SQL = (
    "CREATE INDEX ask_chunk_embedding ON ask_documentchunk USING hnsw "
    "((embedding::vector(256)) vector_cosine_ops) WITH (m = 16, ef_construction = 64)")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BenchFirm:
    firm: Firm
    passages: int
    built: bool  # False: an existing firm of the asked size was found and reused


class SizeMismatch(Exception):
    """The bench firm exists with another number of passages and no rebuild was asked."""


def bench_firm_passages(slug: str) -> tuple[Firm | None, int]:
    firm = Firm.objects.filter(slug=slug).first()
    if firm is None:
        return None, 0
    with schema_context(firm.schema_name):
        return firm, DocumentChunk.objects.count()


def bench_firm_ensure(*, slug: str, passages: int, rebuild: bool,
                      progress: Progress) -> BenchFirm:
    """The bench firm with exactly `passages` passages: found, built, or rebuilt."""
    firm, found = bench_firm_passages(slug)
    if firm is not None and found == passages and not rebuild:
        progress(f"found firm {slug} with {found} passages: reusing it (--rebuild to build anew)")
        return BenchFirm(firm=firm, passages=found, built=False)
    if firm is not None:
        if not rebuild:
            raise SizeMismatch(f"firm {slug} holds {found} passages, not {passages}; "
                               "pass --rebuild to drop it and build it at the asked size")
        progress(f"dropping firm {slug} ({found} passages) to rebuild it")
        firm_delete(firm=firm)
    User.objects.filter(email=f"owner@{slug}.test").delete()
    owner = user_create(email=f"owner@{slug}.test", password=None, full_name="Bench Owner",
                        validate=False)
    firm = firm_create(name="Bench Ask CPA", slug=slug, owner=owner).firm
    with schema_context(firm.schema_name):
        _load(passages, progress)
    return BenchFirm(firm=firm, passages=passages, built=True)


def _documents(rng: random.Random) -> Iterator[tuple[str, list[str]]]:
    """(file name, pages) of generated documents: 1-4 forms of one kind per file, as a
    client's "all my statements" upload would be."""
    kinds = list(corpus.MAKERS)
    number = 0
    while True:
        kind = rng.choice(kinds)
        pages = [" ".join(corpus.MAKERS[kind](rng).lines) for _ in range(rng.randint(1, 4))]
        number += 1
        yield f"{kind}-{number:06d}.pdf", pages


def _load(target: int, progress: Progress) -> None:
    rng = random.Random(18)
    clients = Client.objects.bulk_create([
        Client(business_name=f"Bench client {n:05d}")
        for n in range(max(1, target // PASSAGES_PER_CLIENT))], batch_size=2000)
    planned: list[tuple[Document, list]] = []  # document and its passages
    total = 0
    generator = _documents(rng)
    while total < target:
        name, pages = next(generator)
        passages = passages_of("\f".join(pages))[: target - total]
        document = Document(client=clients[len(planned) % len(clients)], file_name=name,
                            status=Document.Status.PROCESSED, text="\f".join(pages))
        planned.append((document, passages))
        total += len(passages)
    Document.objects.bulk_create([d for d, _ in planned], batch_size=2000)
    progress(f"{len(clients)} clients, {len(planned)} documents, {total} passages to embed")

    rows = [(d.pk, d.client_id, p) for d, passages in planned for p in passages]
    schema = connection.schema_name
    # Index changes and ANALYZE are the owner's rights (advisoros/db_roles.py), and the
    # role cannot switch inside a transaction: there (the tests' tiny sizes) the rows go
    # through the index as they arrive.
    rebuild_index = not connection.in_atomic_block
    if rebuild_index:
        with migration_role(), schema_context(schema), connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS ask_chunk_embedding")
    embedder = embedder_get()
    with schema_context(schema), connection.cursor() as cursor:
        for start in range(0, len(rows), EMBED_BATCH):
            batch = rows[start:start + EMBED_BATCH]
            vectors = embedder.embed([p.text for _, _, p in batch])
            with cursor.cursor.copy(
                    "COPY ask_documentchunk (document_id, client_id, page, char_start, "
                    "char_end, body, embedding) FROM STDIN") as copy:
                for (document_id, client_id, p), vector in zip(batch, vectors, strict=True):
                    copy.write_row((document_id, client_id, p.page, p.start, p.end, p.text,
                                    "[" + ",".join(f"{x:.6g}" for x in vector) + "]"))
            progress(f"  embedded and stored {start + len(batch)}/{len(rows)} passages")
    if not rebuild_index:
        return
    progress("building the HNSW index ...")
    with migration_role(), schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(HNSW_INDEX_SQL)
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("ANALYZE ask_documentchunk")
        cursor.execute("ANALYZE documents_document")
    progress("index built and statistics gathered")


def invoice_numbers(sample: int) -> list[str]:
    """Invoice numbers that are in the firm's passages, for questions that name one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT substring(body from 'INV-[0-9]+') FROM ask_documentchunk "
                       "WHERE body LIKE '%%Invoice Number: INV-%%' ORDER BY id LIMIT %s",
                       [sample])
        return [row[0] for row in cursor.fetchall() if row[0]]


def questions(count: int, seed: int = 5, invoices: list[str] | None = None) -> list[str]:
    """Distinct questions in a client's or a preparer's words about what the generated
    documents hold (employers, banks, vendors, people, years, amounts); with `invoices`,
    a quarter ask about one of those invoices by number."""
    rng = random.Random(seed)
    companies, people, stores = corpus.COMPANIES, corpus.PEOPLE, corpus.STORES
    purchases = ["consulting hours", "printer paper", "a software licence", "repair service"]
    shapes: list[Callable[[], str]] = [
        lambda: f"total W-2 wages from {rng.choice(companies)} for {rng.randint(2021, 2025)}?",
        lambda: f"How much salary did {rng.choice(people)} earn in {rng.randint(2021, 2025)}?",
        lambda: f"federal income tax withheld for {rng.choice(people)} "
                f"{rng.randint(2021, 2025)}",
        lambda: f"What was the ending balance of the {rng.choice(companies)} account in "
                f"{rng.choice(['January', 'March', 'June', 'September', 'December'])} "
                f"{rng.randint(2022, 2025)}?",
        lambda: f"which bank statements are missing for Q{rng.randint(1, 4)} "
                f"{rng.randint(2022, 2025)}?",
        lambda: f"invoice INV-{rng.randint(1000, 99999)} amount due",
        lambda: f"What do we owe {rng.choice(companies)} for {rng.choice(purchases)}?",
        lambda: f"mortgage interest paid to {rng.choice(companies)} in {rng.randint(2021, 2025)}",
        lambda: f"1099-NEC nonemployee compensation from {rng.choice(companies)} "
                f"{rng.randint(2021, 2025)}",
        lambda: f"dividends received in {rng.randint(2021, 2025)} from {rng.choice(companies)}",
        lambda: f"receipt from {rng.choice(stores)} with sales tax over "
                f"{rng.randint(2, 40)} dollars",
        lambda: f"interest income reported by {rng.choice(companies)} for "
                f"{rng.randint(2021, 2025)}",
    ]
    found: dict[str, None] = {}
    while len(found) < count:
        if invoices and rng.random() < 0.25:
            found[f"{rng.choice(['Amount due on', 'Who sent', 'Is'])} invoice "
                  f"{rng.choice(invoices)}{rng.choice(['?', ' paid?', ' from last year?'])}"] = None
        else:
            found[rng.choice(shapes)()] = None
    return list(found)


def client_ids(sample: int, seed: int = 6) -> list[int]:
    ids = list(Client.objects.order_by("pk").values_list("pk", flat=True))
    return random.Random(seed).sample(ids, min(sample, len(ids))) if ids else []


def retrieval_plans(question: str, *, client_id: int | None) -> list[str]:
    """The indexes (or scans) the plans of one question's ranking statements use, taken
    from the statements `ask` really runs."""
    from apps.ask.selectors import ask

    statements: list[tuple[str, object]] = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().startswith(("SELECT id", "WITH selected")) and "ask_documentchunk" in sql:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        ask(question, client_id=client_id)
    found = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            nodes = re.findall(r"(Index Scan|Bitmap Index Scan|Seq Scan|Index Only Scan)"
                               r"(?: using| on) (\w+)", plan)
            kind = "vector" if "<=>" in sql else "text"
            found.append(f"{kind}: " + (", ".join(dict.fromkeys(f"{a} {b}" for a, b in nodes))
                                        or "no scan (nothing selected)"))
    return found
