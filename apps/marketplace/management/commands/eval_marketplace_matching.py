"""`manage.py eval_marketplace_matching`: nDCG@10, P@5 and recall@20 of advisor matching
on needs written in plain business words (apps/marketplace/evaluation/), ranked on the
free text alone with no hard filters.

`--needs written` (needs.json, 60 needs for the written advisors' specialties) or
`--needs outside` (needs_outside.json, 100 needs written apart from the code, topics and
vocabulary lists). `--pool written`: the 120 written evaluation advisors, created inside a
transaction that is rolled back at the end, every ranking restricted to them, so the
command leaves no trace and other advisors do not interfere. `--pool seeded`: every
matchable advisor in the database (run `seed_marketplace --advisors 15000` first), graded
by their tags. Compared, on both halves of the set:
random order, today's matcher before semantic matching (hashed n-grams, 384 dims, its old
0.6/0.3/0.1 weights), WordLlama similarity alone, and WordLlama with the soft preferences
read from the text under a grid of weights. The grid is judged on the development half
only; the test half's figures of the chosen setting are the ones to report.
"""

from __future__ import annotations

import random
from statistics import mean
from typing import NamedTuple

import numpy as np
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.marketplace.embedding import (
    HashedNgramEmbedder,
    embedder_get,
    embedding_source,
    profile_text,
)
from apps.marketplace.evaluation import dataset
from apps.marketplace.matching import (
    DEFAULT_WEIGHTS,
    MATCHABLE_TABLE,
    advisor_match_uncached,
    needs_text,
)
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.params import match_criteria_parse
from apps.marketplace.understanding import LABEL_MIN_SIMILARITY, needs_understand

# (similarity, business fit, rating, preference): the preference weight is what the
# development half decides; business fit and rating keep small fixed shares.
PREFERENCE_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
THRESHOLD_GRID = (0.3, LABEL_MIN_SIMILARITY, 0.4, 0.5, 2.0)  # 2.0: rules only
RANDOM_SHUFFLES = 20
LIMIT = 20


_TEXT_FIELDS = ("professional_title", "headline", "bio", "industries", "services")


class _Rollback(Exception):
    pass


class _Pooled(NamedTuple):
    graded: dataset.PoolAdvisor
    text: str  # the profile text the advisor is embedded from
    fields: dict  # capacity and rating, for the old matcher's score


class Command(BaseCommand):
    help = "Report nDCG@10 / P@5 / recall@20 of matching on plain-language needs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument("--quick", action="store_true",
                            help="Default setting and baselines only (no weight grid).")
        parser.add_argument("--needs", choices=("written", "outside"), default="written")
        parser.add_argument("--pool", choices=("written", "seeded"), default="written")

    def handle(self, *args, seed: int, quick: bool, needs: str, pool: str, **options) -> None:
        need_list = dataset.needs() if needs == "written" else dataset.outside_needs()
        with schema_context("public"):
            try:
                with transaction.atomic():
                    if pool == "written":
                        by_id, only_ids = self._create(dataset.advisors(seed))
                    else:
                        by_id, only_ids = self._seeded(), None
                    self._run(need_list, by_id, only_ids, seed, quick)
                    raise _Rollback
            except _Rollback:
                pass

    def _create(self, advisors: list[dataset.EvalAdvisor]
                ) -> tuple[dict[int, _Pooled], list[int]]:
        embedder = embedder_get()
        texts = [profile_text(**{k: a.fields[k] for k in _TEXT_FIELDS}) for a in advisors]
        vectors = embedder.embed(texts)
        password = make_password(None)
        users = User.objects.bulk_create([
            User(email=f"eval-{a.key}@evaluation.advisoros.test",
                 full_name=dataset.advisor_name(i), password=password)
            for i, a in enumerate(advisors)])
        profiles = AdvisorProfile.objects.bulk_create([
            AdvisorProfile(user=user, embedding=vector,
                           embedding_source=embedding_source(text, embedder), **a.fields)
            for a, user, vector, text in zip(advisors, users, vectors, texts, strict=True)])
        by_id = {p.pk: _Pooled(dataset.pool_advisor(a), text, a.fields)
                 for p, a, text in zip(profiles, advisors, texts, strict=True)}
        return by_id, list(by_id)

    def _seeded(self) -> dict[int, _Pooled]:
        """Every advisor the matcher can return (the matchable table), graded by its tags."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {MATCHABLE_TABLE}")  # noqa: S608 (a constant)
            ids = [row[0] for row in cursor.fetchall()]
        rows = AdvisorProfile.objects.filter(pk__in=ids).values(
            "pk", *_TEXT_FIELDS, "max_clients", "current_clients", "overall_rating")
        by_id = {row["pk"]: _Pooled(
            dataset.PoolAdvisor(industries=frozenset(row["industries"]),
                                services=frozenset(row["services"])),
            profile_text(**{k: row[k] for k in _TEXT_FIELDS}), row) for row in rows}
        if not by_id:
            raise CommandError("No matchable advisors: run `manage.py seed_marketplace "
                               "--advisors 15000` first, or use --pool written.")
        return by_id

    def _run(self, needs: list[dataset.EvalNeed], by_id: dict[int, _Pooled],
             only_ids: list[int] | None, seed: int, quick: bool) -> None:
        out = self.stdout.write
        ids = list(by_id)
        out(f"{len(needs)} needs ({sum(n.split == 'dev' for n in needs)} development, "
            f"{sum(n.split == 'test' for n in needs)} test), {len(ids)} advisors; "
            "no hard filters")
        all_grades = {i: [dataset.grade(n, by_id[a].graded) for a in ids]
                      for i, n in enumerate(needs)}

        def score(rank) -> dict[str, dict[str, float]]:
            per_split: dict[str, list[dict[str, float]]] = {"dev": [], "test": []}
            for i, need in enumerate(needs):
                ranked = [dataset.grade(need, by_id[a].graded) for a in rank(i, need)]
                per_split[need.split].append(dataset.metrics(ranked, all_grades[i]))
            return {split: {m: mean(r[m] for r in rows) for m in rows[0]}
                    for split, rows in per_split.items()}

        def line(label: str, figures: dict[str, dict[str, float]]) -> None:
            cells = "   ".join(
                f"{split}: " + " ".join(f"{m} {figures[split][m]:.3f}" for m in figures[split])
                for split in ("dev", "test"))
            out(f"{label:<44} {cells}")

        rng = random.Random(seed)
        shuffles = {i: [rng.sample(ids, len(ids)) for _ in range(RANDOM_SHUFFLES)]
                    for i in range(len(needs))}
        random_rows = [score(lambda i, n, k=k: shuffles[i][k]) for k in range(RANDOM_SHUFFLES)]
        line(f"random order (mean of {RANDOM_SHUFFLES})",
             {s: {m: mean(r[s][m] for r in random_rows) for m in random_rows[0][s]}
              for s in ("dev", "test")})
        line("before: hashed n-grams, 0.6/0.3/0.1", score(self._hashed_ranker(by_id)))

        def semantic(weights, threshold: float | None):
            def rank(i: int, need: dataset.EvalNeed) -> list[int]:
                criteria = match_criteria_parse({"needs": need.text}, understand=False)
                if threshold is not None:
                    understood = needs_understand(need.text, min_similarity=threshold)
                    criteria = criteria.__class__(
                        needs=criteria.needs, prefer_industries=understood.industries,
                        prefer_services=understood.services,
                        prefer_size=understood.company_size, prefer_budget=understood.budget)
                return [row["id"] for row in advisor_match_uncached(
                    criteria, limit=LIMIT, weights=weights, only_ids=only_ids)]
            return rank

        line("WordLlama similarity only", score(semantic((1.0, 0, 0, 0), None)))
        default = score(semantic(DEFAULT_WEIGHTS, LABEL_MIN_SIMILARITY))
        line(f"default {DEFAULT_WEIGHTS} thr {LABEL_MIN_SIMILARITY}", default)
        if quick:
            out("reported: the test half of the default setting (weights chosen on dev)")
            return
        out("grid (chosen on the development half's nDCG@10):")
        best = (-1.0, None, None)
        for threshold in THRESHOLD_GRID:
            for preference in PREFERENCE_GRID:
                weights = (round(0.8 - preference, 2), 0.15, 0.05, preference)
                figures = score(semantic(weights, threshold))
                line(f"  {weights} thr {threshold}", figures)
                if figures["dev"]["ndcg@10"] > best[0] + 1e-9:
                    best = (figures["dev"]["ndcg@10"], weights, threshold)
        out(f"best on dev: weights {best[1]}, label threshold {best[2]} "
            f"(dev nDCG@10 {best[0]:.3f}); the product ships {DEFAULT_WEIGHTS}, "
            f"threshold {LABEL_MIN_SIMILARITY}")
        out("reported: the TEST half of the shipped default setting above; dev figures "
            "were used to choose it")

    def _hashed_ranker(self, by_id: dict[int, _Pooled]):
        """Today's matcher before this change, in numpy: 384-dim hashed n-grams and the old
        score 0.6 similarity + 0.3 fit + 0.1 rating (fit without criteria: 0.85 + 0.15
        free capacity)."""
        hashed = HashedNgramEmbedder(dimensions=384)
        ids = list(by_id)
        matrix = hashed.embed([by_id[a].text for a in ids])
        static = np.array([
            0.3 * (0.85 + 0.15 * (f["max_clients"] - f["current_clients"]) / f["max_clients"])
            + 0.1 * float(f["overall_rating"]) / 5 for f in (by_id[a].fields for a in ids)])

        def rank(i: int, need: dataset.EvalNeed) -> list[int]:
            criteria = match_criteria_parse({"needs": need.text}, understand=False)
            query = hashed.embed([needs_text(criteria)])[0]
            scores = 0.6 * np.clip(matrix @ query, 0, 1) + static
            order = sorted(range(len(ids)), key=lambda j: (-scores[j], ids[j]))
            return [ids[j] for j in order[:LIMIT]]
        return rank
