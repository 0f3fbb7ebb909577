"""`manage.py bench_ask`: ask-your-documents retrieval latency in one firm holding
--chunks passages (default 200,000), over distinct questions, scoped to a client and to
the whole firm. Prints p50/p95/p99, the plans' indexes, and the naive way for comparison.

The firm (`bench-ask`) is built on the first run and kept; a later run with the same size
reuses it and says so; another size needs --rebuild.
"""

from __future__ import annotations

import os
import re
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django_tenants.utils import schema_context

from advisoros.bench import measure, ratio_line
from apps.ask import benchmarking as work
from apps.ask.selectors import ask, question_words, text_ranking
from apps.marketplace.embedding import embedder_get

BUDGET_P95_MS = 100


class Command(BaseCommand):
    help = "Benchmark ask-your-documents retrieval at scale (builds its bench firm if needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunks", type=int, default=200_000,
                            help="Passages in the bench firm (default 200,000).")
        parser.add_argument("--rebuild", action="store_true",
                            help="Drop and build the bench firm even if it exists.")
        parser.add_argument("--slug", default="bench-ask")
        parser.add_argument("--runs", type=int, default=300,
                            help="Distinct questions per scope.")
        parser.add_argument("--naive-runs", type=int, default=20)
        parser.add_argument("--build-only", action="store_true")

    def handle(self, *args, chunks: int, rebuild: bool, slug: str, runs: int,
               naive_runs: int, build_only: bool, **options) -> None:
        settings.DEBUG = False  # no query log growing inside the timing
        out = self.stdout.write
        if chunks < 1:
            raise CommandError("--chunks must be at least 1")
        started = time.perf_counter()
        try:
            bench = work.bench_firm_ensure(slug=slug, passages=chunks, rebuild=rebuild,
                                           progress=out)
        except work.SizeMismatch as exc:
            raise CommandError(str(exc)) from exc
        if bench.built:
            out(f"built firm {slug} with {bench.passages} passages in "
                f"{time.perf_counter() - started:.0f} s")
        if build_only:
            return
        try:
            with schema_context(bench.firm.schema_name):
                self._measure(max(runs, 1), max(naive_runs, 1))
        finally:
            connection.set_schema_to_public()

    def _measure(self, runs: int, naive_runs: int) -> None:
        out = self.stdout.write
        out("load average (1/5/15 min): " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        invoices = work.invoice_numbers(2000)
        asked = work.questions(runs * 2, invoices=invoices)
        firm_wide, client_scoped = asked[:runs], asked[runs:]
        clients = work.client_ids(runs)
        embedder_get().embed(["warm up"])

        out("\nplans (EXPLAIN) of one question, firm-wide and client-scoped:")
        for scope, client_id in (("firm", None), ("client", clients[0])):
            for line in work.retrieval_plans(firm_wide[0], client_id=client_id):
                out(f"  {scope:<7} {line}")

        def scoped(i: int) -> int:
            return clients[i % len(clients)]

        for q in firm_wide[:10]:  # warm plans and buffers, not answers: all are distinct
            ask(q)
        timings = [
            measure("ask, whole firm", lambda i: ask(firm_wide[i]), runs, out),
            measure("ask, one client", lambda i: ask(client_scoped[i], client_id=scoped(i)),
                    runs, out),
        ]
        vectors = embedder_get().embed(firm_wide[:naive_runs])
        naive = measure("naive, whole firm (exact scan + OR rank)",
                        lambda i: _naive(firm_wide[i], vectors[i].tolist()), naive_runs, out)
        out("")
        for timing in [*timings, naive]:
            out(timing.row())
        out(ratio_line(naive, timings[0]))
        # The full-text ranking steps aside when a question's words select too many
        # passages (apps/ask/selectors.py::text_ranking): say how often.
        texted = sum(bool(text_ranking(question_words(q), None)) for q in firm_wide)
        out(f"whole-firm questions with a full-text ranking: {texted}/{len(firm_wide)} "
            "(the rest: words too common in this firm to select passages; vector only)")
        # Recall at this size where the answer is known: a question naming an invoice
        # number that is in the firm should cite a passage holding it.
        named = [(q, re.search(r"INV-\d+", q)) for q in firm_wide if "invoice INV-" in q]
        named = [(q, m.group(0)) for q, m in named if m and m.group(0) in invoices]
        cited = sum(any(number in c.passage for c in ask(q).citations) for q, number in named)
        out(f"questions naming an invoice of this firm, the invoice among the 5 citations: "
            f"{cited}/{len(named)}")
        worst = max(t.p95 for t in timings)
        verdict = "within" if worst <= BUDGET_P95_MS else "OVER"
        out(f"budget p95 <= {BUDGET_P95_MS} ms (whole firm and one client): {verdict}")


def _naive(question: str, vector: list[float]) -> list[int]:
    """What a first version would do: no index for the vectors (an exact scan of every
    passage), and every passage holding any question word ranked by ts_rank_cd."""
    words = question_words(question)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SELECT id FROM ask_documentchunk ORDER BY embedding <=> %s::vector "
                       "LIMIT 50", [str(vector)])
        ids = [row[0] for row in cursor.fetchall()]
        if words:
            query = " | ".join(words)
            cursor.execute("SELECT id FROM ask_documentchunk "
                           "WHERE search @@ to_tsquery('english', %s) "
                           "ORDER BY ts_rank_cd(search, to_tsquery('english', %s)) DESC "
                           "LIMIT 50", [query, query])
            ids += [row[0] for row in cursor.fetchall()]
    return ids
