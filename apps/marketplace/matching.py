"""Advisor matching: hard criteria in SQL, then an exact ranking by a blended score.

score = WEIGHT_SIMILARITY * similarity + WEIGHT_FIT * business fit
        + WEIGHT_RATING * rating / 5 + WEIGHT_PREFERENCE * preference fit

- similarity: cosine similarity (pgvector `<=>`) between the client's needs and the
  advisor's precomputed profile embedding (WordLlama, apps/marketplace/embedding.py),
  clamped to [0, 1].
- business fit: 0.45 industry overlap (share of the client's industries the advisor
  serves) + 0.25 company size fit + 0.15 budget headroom + 0.15 free capacity.
- rating: the advisor's overall rating on a 0-1 scale.
- preference fit: the soft preferences read from the needs text or edited by the client
  (apps/marketplace/understanding.py): share of preferred industries served and of
  preferred services offered, preferred size served, minimum retainer within the
  preferred budget. A boost, never a filter: an advisor who fits none still ranks on
  similarity. The weights were chosen on the development half of the evaluation set
  (apps/marketplace/evaluation/, `manage.py eval_marketplace_matching`).

Why an exact scan and no HNSW index: pgvector 0.6 (what pgserver ships) has no iterative
index scans, so an HNSW scan with a WHERE clause returns at most ef_search candidates
*before* filtering and can silently return fewer than 20 matches. The hard filters leave
at most the 15,000 listed advisors; scoring them all in SQL is exact and takes a few
milliseconds (docs/benchmarks.md), and the test suite checks it against a brute-force
ranking. The scan reads a narrow trigger-kept copy of the listed advisors with free
capacity (migration 0006_matchable_advisor_table): short rows, no listing tests per row;
the 20 returned rows get their breakdown and profile from the profile table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings

from advisoros.db_replicas import read_connection
from apps.marketplace.cache import cached
from apps.marketplace.code_bits import BITS_OF
from apps.marketplace.embedding import embedder_get
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.params import MatchCriteria
from apps.marketplace.vocabulary import Industry, Service, labels

MATCH_LIMIT = 20
WEIGHT_SIMILARITY = 0.4
WEIGHT_FIT = 0.15
WEIGHT_RATING = 0.05
WEIGHT_PREFERENCE = 0.4
FIT_INDUSTRY, FIT_SIZE, FIT_BUDGET, FIT_CAPACITY = 0.45, 0.25, 0.15, 0.15
PREF_INDUSTRY, PREF_SERVICE, PREF_SIZE, PREF_BUDGET = 0.45, 0.4, 0.1, 0.05
Weights = tuple[float, float, float, float]  # similarity, business fit, rating, preference

DEFAULT_WEIGHTS: Weights = (WEIGHT_SIMILARITY, WEIGHT_FIT, WEIGHT_RATING, WEIGHT_PREFERENCE)
_TABLE = AdvisorProfile._meta.db_table
# The listed advisors with free capacity, only the columns the score reads, kept by
# triggers on the profile table (migration 0006_matchable_advisor_table).
MATCHABLE_TABLE = "marketplace_matchable_advisor"


def needs_text(criteria: MatchCriteria) -> str:
    """What the client's side is embedded from: their words plus the chosen labels."""
    return " ".join([criteria.needs, " ".join(labels(Industry, list(criteria.industries))),
                     " ".join(labels(Service, list(criteria.required_services)))]).strip()


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


def _has_sql(column: str, code: str) -> str:
    """1 when the advisor's array `column` holds `code`, else 0: a test on the integer
    generated from the array (migration 0005), about ten times cheaper per row than
    `= ANY(array)`, which matters when every available advisor is scored. The mask is a
    constant from the vocabulary, never user input."""
    bits_column, masks = BITS_OF[column]
    return f"((p.{bits_column} & {masks.get(code, 0)}) <> 0)::int"


def _share_sql(column: str, codes: tuple[str, ...]) -> str:
    """Share of `codes` the advisor's array column holds."""
    if not codes:
        return "0.0"
    terms = " + ".join(_has_sql(column, code) for code in codes)
    return f"({terms})::float8 / {len(codes)}"


def _preference_sql(criteria: MatchCriteria, params: list[Any]) -> str:
    industry = _share_sql("industries", criteria.prefer_industries)
    service = _share_sql("services", criteria.prefer_services)
    size = budget = "0.0"
    if criteria.prefer_size:
        size = f"{_has_sql('company_sizes', criteria.prefer_size)}::float8"
    if criteria.prefer_budget is not None:
        budget = "(p.monthly_retainer_min <= %s)::int::float8"
        params.append(criteria.prefer_budget)
    return (f"{PREF_INDUSTRY} * ({industry}) + {PREF_SERVICE} * ({service}) "
            f"+ {PREF_SIZE} * ({size}) + {PREF_BUDGET} * ({budget})")


def _mask(column: str, codes: tuple[str, ...]) -> int:
    _, masks = BITS_OF[column]
    return sum(masks[code] for code in set(codes))


def _where(criteria: MatchCriteria, only_ids: list[int] | None) -> tuple[str, list[Any]]:
    """Hard criteria over the matchable table (migration 0006): it holds only listed
    advisors with free capacity, so those tests are gone; the array tests are bit tests
    (codes are validated against the vocabulary, apps/marketplace/params.py)."""
    where = ["TRUE"]
    params: list[Any] = []
    if only_ids is not None:
        where.append("p.id = ANY(%s)")
        params.append(only_ids)
    if criteria.industries:  # serves any of them
        where.append(f"(p.industry_bits & {_mask('industries', criteria.industries)}) <> 0")
    if criteria.required_services:  # offers all of them
        mask = _mask("services", criteria.required_services)
        where.append(f"(p.service_bits & {mask}) = {mask}")
    if criteria.budget is not None:
        where.append("p.monthly_retainer_min <= %s")
        params.append(criteria.budget)
    return " AND ".join(where), params


def _codes_term(column: str, codes: tuple[str, ...], weight: float) -> str:
    """`weight` times the share of `codes` held, as one multiplication of a count."""
    count = " + ".join(_has_sql(column, code) for code in codes)
    return f"{weight / len(codes)!r} * ({count})"


def _score_sql(criteria: MatchCriteria, weights: Weights, params: list[Any]) -> str:
    """The blended score of the module note, multiplied out into one flat sum with the
    weights folded into each term's constant: it is evaluated for every advisor that
    passes the filters, and each SQL operator costs per row (the nested form of the
    breakdown cost about a fifth more CPU per scan, docs/benchmarks.md). Terms that are
    constant for these criteria are summed in Python."""
    sim, fit, rating, pref = (float(w) for w in weights)
    constant = 0.0
    # Similarity: GREATEST ignores the NULL of an advisor without a vector, giving 0.
    terms = [f"GREATEST(0.0, {sim!r} - {sim!r} * (p.embedding <=> %s::vector))"]
    params.append(None)  # placeholder for the vector, set by the caller
    if criteria.industries:
        terms.append(_codes_term("industries", criteria.industries, fit * FIT_INDUSTRY))
    else:
        constant += fit * FIT_INDUSTRY
    if criteria.company_size:
        terms.append(f"{fit * FIT_SIZE!r} * {_has_sql('company_sizes', criteria.company_size)}")
    else:
        constant += fit * FIT_SIZE
    constant += fit * FIT_BUDGET
    if criteria.budget:
        terms.append(f"{-0.5 * fit * FIT_BUDGET!r} * "
                     "LEAST(1, p.monthly_retainer_min / %s)::float8")
        params.append(criteria.budget)
    terms.append(f"{fit * FIT_CAPACITY!r} * (p.max_clients - p.current_clients)::float8 "
                 "/ p.max_clients")
    terms.append(f"{rating / 5!r} * p.overall_rating::float8")
    if criteria.prefer_industries:
        terms.append(_codes_term("industries", criteria.prefer_industries,
                                 pref * PREF_INDUSTRY))
    if criteria.prefer_services:
        terms.append(_codes_term("services", criteria.prefer_services, pref * PREF_SERVICE))
    if criteria.prefer_size:
        terms.append(f"{pref * PREF_SIZE!r} * "
                     f"{_has_sql('company_sizes', criteria.prefer_size)}")
    if criteria.prefer_budget is not None:
        terms.append(f"{pref * PREF_BUDGET!r} * (p.monthly_retainer_min <= %s)::int")
        params.append(criteria.prefer_budget)
    return " + ".join([repr(constant), *terms])


def _breakdown_sql(criteria: MatchCriteria, params: list[Any]) -> str:
    """The score's four parts, for the returned rows only (shown to the client)."""
    industry_fit = _share_sql("industries", criteria.industries) \
        if criteria.industries else "1.0"
    if criteria.company_size:
        size_fit = f"{_has_sql('company_sizes', criteria.company_size)}::float8"
    else:
        size_fit = "1.0"
    if criteria.budget:
        budget_fit = "1 - 0.5 * LEAST(1, p.monthly_retainer_min / %s)::float8"
        params.append(criteria.budget)
    else:
        budget_fit = "1.0"
    capacity_fit = "(p.max_clients - p.current_clients)::float8 / p.max_clients"
    preference_fit = _preference_sql(criteria, params)
    return f"""
        COALESCE(GREATEST(0, 1 - (p.embedding <=> %s::vector)), 0) AS similarity,
        {FIT_INDUSTRY} * ({industry_fit}) + {FIT_SIZE} * ({size_fit})
          + {FIT_BUDGET} * ({budget_fit}) + {FIT_CAPACITY} * ({capacity_fit}) AS business_fit,
        p.overall_rating::float8 / 5 AS rating,
        {preference_fit} AS preference"""


def _match_sql(criteria: MatchCriteria, query_vector: str, limit: int,
               weights: Weights, only_ids: list[int] | None = None
               ) -> tuple[str, list[Any]]:
    score_params: list[Any] = []
    score = _score_sql(criteria, weights, score_params)
    score_params[0] = query_vector
    where, where_params = _where(criteria, only_ids)
    breakdown_params: list[Any] = []
    breakdown = _breakdown_sql(criteria, breakdown_params)

    # Only constants and %s placeholders are interpolated; every value is a parameter.
    sql = f"""
        WITH ranked AS (
            SELECT p.id, {score} AS score
            FROM {MATCHABLE_TABLE} p
            WHERE {where}
            ORDER BY score DESC, p.id LIMIT %s
        )
        SELECT r.id, u.full_name, p.professional_title, p.headline, p.industries, p.services,
               p.years_experience, p.hourly_rate, p.monthly_retainer_min, p.overall_rating,
               p.total_reviews, p.availability, r.score, {breakdown}
        FROM ranked r JOIN {_TABLE} p ON p.id = r.id
        JOIN accounts_user u ON u.id = p.user_id
        ORDER BY r.score DESC, r.id
    """  # noqa: S608
    return sql, [*score_params, *where_params, limit, query_vector, *breakdown_params]


_COLUMNS = ("id", "name", "professional_title", "headline", "industries", "services",
            "years_experience", "hourly_rate", "monthly_retainer_min", "overall_rating",
            "total_reviews", "availability")


def advisor_match_uncached(criteria: MatchCriteria, *, limit: int = MATCH_LIMIT,
                           weights: Weights | None = None, only_ids: list[int] | None = None
                           ) -> list[dict[str, Any]]:
    """`weights` and `only_ids` (rank within these advisors) exist for the evaluation."""
    vector = embedder_get().embed([needs_text(criteria)])[0]
    sql, params = _match_sql(criteria, vector_literal(vector), limit,
                             weights or DEFAULT_WEIGHTS, only_ids)
    # Lag-tolerant: a safe request's match may read a replica (advisoros/db_replicas.py).
    with read_connection(AdvisorProfile).cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    results = []
    for row in rows:
        item = dict(zip(_COLUMNS, row[:12], strict=True))
        score, similarity, fit, rating, preference = row[12:]
        item["score"] = round(score, 4)
        item["breakdown"] = {"similarity": round(similarity, 4),
                             "business_fit": round(fit, 4), "rating": round(rating, 4),
                             "preference": round(preference, 4)}
        results.append(item)
    return results


def advisor_match(criteria: MatchCriteria) -> tuple[list[dict[str, Any]], bool]:
    """(top matches, served_from_cache)."""
    return cached("match", criteria.cache_dict(), settings.MARKETPLACE_MATCH_CACHE_SECONDS,
                  lambda: advisor_match_uncached(criteria))


def match_weights() -> dict[str, float]:
    return {"similarity": WEIGHT_SIMILARITY, "business_fit": WEIGHT_FIT,
            "rating": WEIGHT_RATING, "preference": WEIGHT_PREFERENCE}

