"""`manage.py bench_marketplace`: search and matching at 15,000 advisors, uncached and
cached, against the naive way, in one run. Prints p50/p95/p99 and the ratios."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from advisoros.bench import Timing, measure, ratio_line
from apps.marketplace import benchmarking as work
from apps.marketplace.cache import cache_stats, cache_stats_reset
from apps.marketplace.matching import advisor_match, advisor_match_uncached
from apps.marketplace.models import LISTED, AdvisorProfile
from apps.marketplace.seed import seed_advisors
from apps.marketplace.selectors import advisor_search, advisor_search_uncached


class Command(BaseCommand):
    help = "Benchmark marketplace search and matching (seeds advisors first if needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--advisors", type=int, default=15000)
        parser.add_argument("--runs", type=int, default=400,
                            help="Timed calls per measurement (spread over the mixes).")
        parser.add_argument("--naive-runs", type=int, default=60)
        parser.add_argument("--naive-match-runs", type=int, default=16,
                            help="Python-side scoring takes seconds per call at 15,000.")

    def handle(self, *args, advisors: int, runs: int, naive_runs: int, naive_match_runs: int,
               **options) -> None:
        with schema_context("public"):
            self._run(advisors, max(runs, 1), max(naive_runs, 1), max(naive_match_runs, 1))

    def _run(self, advisors: int, runs: int, naive_runs: int, naive_match_runs: int) -> None:
        out = self.stdout.write
        out("load average (1/5/15 min): " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        if AdvisorProfile.objects.count() < advisors:
            out(f"seeding up to {advisors} advisors ...")
            seed_advisors(count=advisors, progress=out)
        out(f"advisors: {AdvisorProfile.objects.count()} "
            f"({AdvisorProfile.objects.filter(LISTED).count()} listed)")

        searches = work.search_params()
        out("\nindexes used per filter mix (EXPLAIN):")
        for mix, params in zip(work.SEARCH_MIXES, searches, strict=True):
            out(f"  {mix or '(no filter)':<60} {work.index_used(params)}")

        def pick(items, i):
            return items[i % len(items)]

        out("\nsearch (20 per page, a spread of filter mixes):")
        for p in searches:  # warm connections, plans and caches once
            advisor_search_uncached(p)
            work.search_naive(p)
        naive = measure("search naive (no index, all fields)",
                        lambda i: work.search_naive(pick(searches, i)), naive_runs, out)
        fast = measure("search uncached", lambda i: advisor_search_uncached(pick(searches, i)),
                       runs, out)
        cache_stats_reset()
        for p in searches:
            advisor_search(p)
        cached = measure("search cached", lambda i: advisor_search(pick(searches, i)), runs, out)
        self._report(naive, fast, cached, budget=(20, 3))

        out("\nmatching (top 20 with score breakdown):")
        criteria = work.match_criteria()
        for c in criteria:
            advisor_match_uncached(c)
        naive = measure("match naive (Python scoring)",
                        lambda i: work.match_naive(pick(criteria, i)), naive_match_runs, out)
        fast = measure("match uncached", lambda i: advisor_match_uncached(pick(criteria, i)),
                       runs, out)
        for c in criteria:
            advisor_match(c)
        cached = measure("match cached", lambda i: advisor_match(pick(criteria, i)), runs, out)
        self._report(naive, fast, cached, budget=(50, 5))

        needs = work.distinct_needs(runs)
        out(f"\nmatching distinct needs ({len(set(needs))} texts, no hard filter: parse, "
            "understand, embed, rank every available advisor):")
        distinct = measure("match uncached, distinct needs",
                           lambda i: work.match_distinct(needs[i]), runs, out)
        out(distinct.row())
        verdict = "within" if distinct.p95 <= 50 else "OVER"
        out(f"budget p95 uncached <= 50 ms: {verdict}")
        out(f"\ncache hit ratio: {cache_stats()}")

    def _report(self, naive: Timing, fast: Timing, cached: Timing,
                budget: tuple[int, int]) -> None:
        for timing in (naive, fast, cached):
            self.stdout.write(timing.row())
        self.stdout.write(ratio_line(naive, fast))
        self.stdout.write(f"ratio naive/cached: p95 {naive.p95 / cached.p95:6.1f}x")
        verdict = "within" if fast.p95 <= budget[0] and cached.p95 <= budget[1] else "OVER"
        self.stdout.write(f"budget p95 uncached <= {budget[0]} ms, cached <= {budget[1]} ms: "
                          f"{verdict}")
