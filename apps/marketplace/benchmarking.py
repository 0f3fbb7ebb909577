"""The workloads `bench_marketplace` times: filter mixes, match criteria, and the naive
ways they are compared with (no indexes and every field loaded; Python-side scoring)."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db import connection, transaction
from django.http import QueryDict

from apps.marketplace.embedding import embedder_get
from apps.marketplace.matching import (
    FIT_BUDGET,
    FIT_CAPACITY,
    FIT_INDUSTRY,
    FIT_SIZE,
    MATCH_LIMIT,
    PREF_BUDGET,
    PREF_INDUSTRY,
    PREF_SERVICE,
    PREF_SIZE,
    WEIGHT_FIT,
    WEIGHT_PREFERENCE,
    WEIGHT_RATING,
    WEIGHT_SIMILARITY,
    needs_text,
)
from apps.marketplace.models import LISTED, AdvisorProfile
from apps.marketplace.params import (
    MatchCriteria,
    SearchParams,
    match_criteria_parse,
    search_params_parse,
)
from apps.marketplace.selectors import advisor_search_queryset

SEARCH_MIXES = [
    "",
    "sort=price",
    "industries=saas,fintech",
    "industries=healthcare&sort=experience",
    "services=fundraising&min_rating=4.5",
    "services=cash_flow,fpa&available=true",
    "max_rate=200&sort=price",
    "industries=construction&services=controller&max_rate=300",
    "available=true&sort=reviews",
    "q=revenue recognition",
    "q=cash flow&industries=ecommerce,retail",
    "min_rating=4&max_rate=250&available=true&sort=rating",
    "industries=nonprofit&sort=reviews&page_size=100",
]

MATCH_CRITERIA = [
    {"industries": ["saas"], "required_services": ["fundraising"], "budget": "8000",
     "company_size": "startup", "needs": "preparing a Series A raise, investor data room"},
    {"industries": ["manufacturing"], "needs": "factory standard costs and variance analysis"},
    {"required_services": ["cash_flow"], "budget": "5000",
     "needs": "our clinic waits months for insurance reimbursement"},
    {"industries": ["retail", "ecommerce"], "company_size": "small",
     "needs": "sales tax nexus across many states"},
    {"needs": "thirteen week cash forecast for the bank, business in distress"},
    {"industries": ["nonprofit"], "required_services": ["audit_readiness"],
     "needs": "first single audit of federal grants"},
    {"industries": ["construction"], "budget": "3000", "company_size": "midsize",
     "needs": "job costing and work in progress schedule for bonding"},
    {"industries": ["energy", "agriculture"], "needs": "budget for commodity price swings"},
    # Free text only (no hard filter: every listed advisor is scored), with preferences
    # read from the text.
    {"needs": "we sell subscription software to dentists and need someone part-time to get "
              "our books investor-ready before we raise money"},
    {"needs": "our trucking company of 60 people is losing money on fuel, about $3k a month"},
]


# Context a client adds to a need; with the evaluation's plain-language needs
# (apps/marketplace/evaluation/needs.json) they make distinct texts, so nothing about one
# call (the text's embedding, the understanding, a cached result) helps the next.
NEED_CONTEXT = ["", " We are based in Ohio.", " Ideally someone who has done this before.",
                " We can start next month.", " The founders handle the books today.",
                " Our bank is asking questions.", " Remote is fine.",
                " We grew fast last year."]


def distinct_needs(count: int) -> list[str]:
    from apps.marketplace.evaluation import dataset

    base = [need.text for need in dataset.needs()]
    texts = [need + context for context in NEED_CONTEXT for need in base]
    return [texts[i % len(texts)] for i in range(count)]


def match_distinct(text: str) -> list[dict[str, Any]]:
    """One uncached match as a request makes it: parse and read the text for its
    preferences, embed it, rank in SQL."""
    from apps.marketplace.matching import advisor_match_uncached

    return advisor_match_uncached(match_criteria_parse({"needs": text}))


def search_params() -> list[SearchParams]:
    return [search_params_parse(QueryDict(mix)) for mix in SEARCH_MIXES]


def match_criteria() -> list[MatchCriteria]:
    return [match_criteria_parse(data) for data in MATCH_CRITERIA]


def search_naive(params: SearchParams) -> list[dict[str, Any]]:
    """The same filters with the planner kept off every index, loading whole rows (bio,
    embedding, user) as a plain ORM listing would."""
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        rows = list(advisor_search_queryset(params).select_related("user")
                    [: params.page_size + 1])
    return [{"id": p.id, "name": p.user.full_name, "headline": p.headline,
             "rating": p.overall_rating} for p in rows[: params.page_size]]


def _share(wanted: tuple[str, ...], held: list[str]) -> float:
    return sum(code in held for code in wanted) / len(wanted) if wanted else 0.0


def _preference(criteria: MatchCriteria, p: AdvisorProfile) -> float:
    size = criteria.prefer_size is not None and criteria.prefer_size in p.company_sizes
    budget = criteria.prefer_budget is not None and \
        p.monthly_retainer_min <= criteria.prefer_budget
    return (PREF_INDUSTRY * _share(criteria.prefer_industries, p.industries)
            + PREF_SERVICE * _share(criteria.prefer_services, p.services)
            + PREF_SIZE * float(size) + PREF_BUDGET * float(budget))


def match_naive(criteria: MatchCriteria) -> list[tuple[int, float]]:
    """Every listed advisor loaded into Python and scored there, one row at a time."""
    query = embedder_get().embed([needs_text(criteria)])[0]
    scored = []
    for p in AdvisorProfile.objects.filter(LISTED).select_related("user"):
        if p.current_clients >= p.max_clients:
            continue
        if criteria.industries and not set(p.industries) & set(criteria.industries):
            continue
        if not set(criteria.required_services) <= set(p.services):
            continue
        if criteria.budget is not None and p.monthly_retainer_min > criteria.budget:
            continue
        similarity = max(0.0, float(np.dot(np.asarray(p.embedding), query))) \
            if p.embedding is not None else 0.0
        industry = (sum(i in p.industries for i in criteria.industries)
                    / len(criteria.industries)) if criteria.industries else 1.0
        size = float(criteria.company_size in p.company_sizes) if criteria.company_size else 1.0
        budget = (1 - 0.5 * min(1.0, float(p.monthly_retainer_min / criteria.budget))
                  if criteria.budget else 1.0)
        capacity = (p.max_clients - p.current_clients) / p.max_clients
        fit = (FIT_INDUSTRY * industry + FIT_SIZE * size + FIT_BUDGET * budget
               + FIT_CAPACITY * capacity)
        scored.append((p.id, WEIGHT_SIMILARITY * similarity + WEIGHT_FIT * fit
                       + WEIGHT_RATING * float(p.overall_rating) / 5
                       + WEIGHT_PREFERENCE * _preference(criteria, p)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:MATCH_LIMIT]


def index_used(params: SearchParams) -> str:
    """The indexes the plan of one search uses (for the report)."""
    plan = advisor_search_queryset(params).values("id")[: params.page_size + 1].explain()
    names = [word for word in plan.replace("(", " ").split()
             if word.startswith("adv_")]
    return ",".join(dict.fromkeys(names)) or "no index"

