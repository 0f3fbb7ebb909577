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
ranking.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings

from advisoros.db_replicas import read_connection
from apps.marketplace.cache import cached
from apps.marketplace.embedding import embedder_get
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.params import MatchCriteria
from apps.marketplace.vocabulary import Industry, Service, labels

MATCH_LIMIT = 20
WEIGHT_SIMILARITY = 0.6
WEIGHT_FIT = 0.15
WEIGHT_RATING = 0.05
WEIGHT_PREFERENCE = 0.2
FIT_INDUSTRY, FIT_SIZE, FIT_BUDGET, FIT_CAPACITY = 0.45, 0.25, 0.15, 0.15
PREF_INDUSTRY, PREF_SERVICE, PREF_SIZE, PREF_BUDGET = 0.45, 0.4, 0.1, 0.05
Weights = tuple[float, float, float, float]  # similarity, business fit, rating, preference

DEFAULT_WEIGHTS: Weights = (WEIGHT_SIMILARITY, WEIGHT_FIT, WEIGHT_RATING, WEIGHT_PREFERENCE)
_TABLE = AdvisorProfile._meta.db_table


def needs_text(criteria: MatchCriteria) -> str:
    """What the client's side is embedded from: their words plus the chosen labels."""
    return " ".join([criteria.needs, " ".join(labels(Industry, list(criteria.industries))),
                     " ".join(labels(Service, list(criteria.required_services)))]).strip()


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


def _share_sql(column: str, codes: tuple[str, ...], params: list[Any]) -> str:
    """Share of `codes` the advisor's array column holds: one `= ANY` test per code,
    cheaper than an array intersection (and measured cheaper than `@> ARRAY[code]`)."""
    if not codes:
        return "0.0"
    params.extend(codes)
    terms = " + ".join([f"(%s = ANY(p.{column}))::int"] * len(codes))
    return f"({terms})::float8 / {len(codes)}"


def _preference_sql(criteria: MatchCriteria, params: list[Any]) -> str:
    industry = _share_sql("industries", criteria.prefer_industries, params)
    service = _share_sql("services", criteria.prefer_services, params)
    size = budget = "0.0"
    if criteria.prefer_size:
        size = "(%s = ANY(p.company_sizes))::int::float8"
        params.append(criteria.prefer_size)
    if criteria.prefer_budget is not None:
        budget = "(p.monthly_retainer_min <= %s)::int::float8"
        params.append(criteria.prefer_budget)
    return (f"{PREF_INDUSTRY} * ({industry}) + {PREF_SERVICE} * ({service}) "
            f"+ {PREF_SIZE} * ({size}) + {PREF_BUDGET} * ({budget})")


def _match_sql(criteria: MatchCriteria, query_vector: str, limit: int,
               weights: Weights, only_ids: list[int] | None = None
               ) -> tuple[str, list[Any]]:
    where = ["p.status = 'active'", "p.is_verified", "p.deleted_at IS NULL",
             "p.current_clients < p.max_clients"]
    where_params: list[Any] = []
    if only_ids is not None:
        where.append("p.id = ANY(%s)")
        where_params.append(only_ids)
    if criteria.industries:
        where.append("p.industries && %s::varchar[]")
        where_params.append(list(criteria.industries))
    if criteria.required_services:
        where.append("p.services @> %s::varchar[]")
        where_params.append(list(criteria.required_services))
    if criteria.budget is not None:
        where.append("p.monthly_retainer_min <= %s")
        where_params.append(criteria.budget)

    fit_params: list[Any] = []
    industry_fit = _share_sql("industries", criteria.industries, fit_params) \
        if criteria.industries else "1.0"
    if criteria.company_size:
        size_fit = "(%s = ANY(p.company_sizes))::int::float8"
        fit_params.append(criteria.company_size)
    else:
        size_fit = "1.0"
    if criteria.budget:
        budget_fit = "1 - 0.5 * LEAST(1, p.monthly_retainer_min / %s)::float8"
        fit_params.append(criteria.budget)
    else:
        budget_fit = "1.0"
    capacity_fit = "(p.max_clients - p.current_clients)::float8 / p.max_clients"
    preference_fit = _preference_sql(criteria, fit_params)

    # Only constants and %s placeholders are interpolated; every value is a parameter.
    sql = f"""
        WITH scored AS (
            SELECT p.id, p.user_id,
                   COALESCE(GREATEST(0, 1 - (p.embedding <=> %s::vector)), 0) AS similarity,
                   {FIT_INDUSTRY} * ({industry_fit}) + {FIT_SIZE} * ({size_fit})
                     + {FIT_BUDGET} * ({budget_fit}) + {FIT_CAPACITY} * ({capacity_fit})
                     AS business_fit,
                   p.overall_rating::float8 / 5 AS rating,
                   {preference_fit} AS preference
            FROM {_TABLE} p
            WHERE {" AND ".join(where)}
        ), ranked AS (
            SELECT *, {float(weights[0])} * similarity + {float(weights[1])} * business_fit
                      + {float(weights[2])} * rating + {float(weights[3])} * preference
                      AS score
            FROM scored ORDER BY score DESC, id LIMIT %s
        )
        SELECT r.id, u.full_name, p.professional_title, p.headline, p.industries, p.services,
               p.years_experience, p.hourly_rate, p.monthly_retainer_min, p.overall_rating,
               p.total_reviews, p.availability, r.score, r.similarity, r.business_fit, r.rating,
               r.preference
        FROM ranked r JOIN {_TABLE} p ON p.id = r.id
        JOIN accounts_user u ON u.id = r.user_id
        ORDER BY r.score DESC, r.id
    """  # noqa: S608
    return sql, [query_vector, *fit_params, *where_params, limit]


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

