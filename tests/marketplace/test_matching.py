"""Matching: hard filters in SQL, exact ranking checked against a brute-force ranking."""

import random
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from apps.marketplace.embedding import HashedNgramEmbedder, embedder_get
from apps.marketplace.matching import (
    WEIGHT_FIT,
    WEIGHT_PREFERENCE,
    WEIGHT_RATING,
    WEIGHT_SIMILARITY,
    advisor_match_uncached,
    needs_text,
)
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.params import match_criteria_parse
from tests.marketplace.factories import make_advisor

pytestmark = pytest.mark.django_db

URL = "/api/v1/marketplace/match/"


def preference_fit(criteria, p) -> float:
    """The soft preferences, computed in Python: 0.45 industries, 0.4 services, 0.1 size,
    0.05 budget."""
    def share(wanted, held):
        return sum(code in held for code in wanted) / len(wanted) if wanted else 0.0
    return (0.45 * share(criteria.prefer_industries, p.industries)
            + 0.4 * share(criteria.prefer_services, p.services)
            + 0.1 * float(criteria.prefer_size in p.company_sizes if criteria.prefer_size else 0)
            + 0.05 * float(criteria.prefer_budget is not None
                           and p.monthly_retainer_min <= criteria.prefer_budget))


def brute_force_top(criteria, limit: int = 20) -> list[tuple[int, float]]:
    """Every advisor loaded into Python, filtered and scored there: the reference."""
    query = embedder_get().embed([needs_text(criteria)])[0].astype(np.float64)
    scored = []
    for p in AdvisorProfile.objects.all():
        if not (p.status == "active" and p.is_verified and p.deleted_at is None
                and p.current_clients < p.max_clients):
            continue
        if criteria.industries and not set(p.industries) & set(criteria.industries):
            continue
        if not set(criteria.required_services) <= set(p.services):
            continue
        if criteria.budget is not None and p.monthly_retainer_min > criteria.budget:
            continue
        vector = np.asarray(p.embedding, dtype=np.float64)
        cosine = float(vector @ query / (np.linalg.norm(vector) * np.linalg.norm(query)))
        similarity = max(0.0, cosine)
        industry = (sum(i in p.industries for i in criteria.industries)
                    / len(criteria.industries)) if criteria.industries else 1.0
        size = float(criteria.company_size in p.company_sizes) if criteria.company_size else 1.0
        budget = (1 - 0.5 * min(1.0, float(p.monthly_retainer_min / criteria.budget))
                  if criteria.budget else 1.0)
        capacity = (p.max_clients - p.current_clients) / p.max_clients
        fit = 0.45 * industry + 0.25 * size + 0.15 * budget + 0.15 * capacity
        preference = preference_fit(criteria, p)
        score = (WEIGHT_SIMILARITY * similarity + WEIGHT_FIT * fit
                 + WEIGHT_RATING * float(p.overall_rating) / 5 + WEIGHT_PREFERENCE * preference)
        scored.append((p.id, score))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]


def _random_advisors(count: int, rng: random.Random) -> None:
    industries = ["saas", "fintech", "retail", "healthcare"]
    services = ["fpa", "fundraising", "cash_flow", "tax_strategy"]
    words = ["cash", "runway", "forecasting", "fundraising", "investors", "board", "saas",
             "retail", "pricing", "inventory", "audit", "revenue", "recognition", "churn",
             "margins", "lenders", "covenants"]
    for _ in range(count):
        make_advisor(
            headline=" ".join(rng.sample(words, 5)), bio=" ".join(rng.sample(words, 8)),
            industries=rng.sample(industries, rng.randint(1, 2)),
            services=rng.sample(services, rng.randint(1, 3)),
            company_sizes=rng.sample(["startup", "small", "midsize"], rng.randint(1, 2)),
            monthly_retainer_min=Decimal(rng.choice([0, 2000, 5000, 9000])),
            overall_rating=Decimal(rng.randint(300, 500)) / 100,
            current_clients=rng.randint(0, 4), max_clients=4,
            status=rng.choice(["active"] * 8 + ["pending", "suspended"]),
        )


def test_the_sql_ranking_equals_an_exact_brute_force_ranking():
    _random_advisors(120, random.Random(3))
    criteria = match_criteria_parse({"industries": ["saas", "fintech"],
                                     "required_services": ["fpa"], "budget": "6000",
                                     "company_size": "startup",
                                     "needs": "board reporting and cash runway for investors"})

    expected = brute_force_top(criteria)
    got = advisor_match_uncached(criteria)

    assert [row["id"] for row in got] == [advisor_id for advisor_id, _ in expected]
    for row, (_, score) in zip(got, expected, strict=True):
        assert row["score"] == pytest.approx(score, abs=1e-3)


def test_filtered_matching_returns_20_when_20_exist_even_if_the_closest_fail_the_filters():
    # 200 advisors whose text is the closest possible to the need, but in retail; 22 saas
    # advisors with unrelated text. An index scan that filters after taking the nearest
    # candidates would find no saas advisor among them.
    need = "inventory purchase orders seasonal cash"
    for _ in range(200):
        make_advisor(headline=need, bio=need, industries=["retail"], services=["cash_flow"])
    saas = [make_advisor(headline="software metrics", bio="churn and retention",
                         industries=["saas"], services=["cash_flow"]) for _ in range(22)]
    criteria = match_criteria_parse({"industries": ["saas"], "needs": need})

    got = advisor_match_uncached(criteria)

    assert len(got) == 20
    assert {row["id"] for row in got} <= {a.id for a in saas}
    assert [row["id"] for row in got] == [i for i, _ in brute_force_top(criteria)]


def test_score_breakdown_is_returned_with_the_weights(api):
    make_advisor(headline="Series A fundraising", services=["fundraising"])

    body = api.post(URL, {"needs": "raise a Series A", "required_services": ["fundraising"]},
                    content_type="application/json").json()

    row = body["results"][0]
    weights = body["weights"]
    assert set(weights) == {"similarity", "business_fit", "rating", "preference"}
    assert sum(weights.values()) == pytest.approx(1.0)
    parts = row["breakdown"]
    assert row["score"] == pytest.approx(sum(weights[k] * parts[k] for k in weights), abs=1e-3)
    assert parts["preference"] > 0  # "raise" reads as a fundraising preference
    assert 0 < parts["similarity"] <= 1 and parts["rating"] == 0.9


def test_hard_criteria_exclude_over_budget_full_and_missing_service(api):
    fits = make_advisor(services=["fpa", "fundraising"], monthly_retainer_min=Decimal("2000"))
    make_advisor(services=["fpa", "fundraising"], monthly_retainer_min=Decimal("9000"))
    make_advisor(services=["fpa"], monthly_retainer_min=Decimal("1000"))
    make_advisor(services=["fpa", "fundraising"], current_clients=5, max_clients=5)

    body = api.post(URL, {"required_services": ["fpa", "fundraising"], "budget": 5000},
                    content_type="application/json").json()

    assert [row["id"] for row in body["results"]] == [fits.id]


def test_matches_are_cached_per_normalised_criteria(api, django_assert_num_queries):
    make_advisor()
    api.post(URL, {"industries": ["saas", "fintech"], "needs": "Cash  planning"},
             content_type="application/json")

    with django_assert_num_queries(0):
        body = api.post(URL, {"industries": ["fintech", "saas"], "needs": "Cash planning"},
                        content_type="application/json").json()
    assert len(body["results"]) == 1


@pytest.mark.parametrize(("payload", "field"), [
    ({"needs": "cash", "budget": -1}, "budget"),
    ({"needs": "cash", "budget": "a lot"}, "budget"),
    ({"needs": "cash", "industries": ["moon-mining"]}, "industries"),
    ({"needs": "cash", "industries": "saas,atlantis"}, "industries"),
    ({"needs": "cash", "industries": [1, 2]}, "industries"),
    ({"needs": "cash", "required_services": ["juggling"]}, "required_services"),
    ({"needs": "cash", "company_size": "galactic"}, "company_size"),
    ({"needs": "cash\x00flow"}, "needs"),
    ({"needs": "x" * 10_240}, "needs"),
    ({"needs": 42}, "needs"),
    ({}, "needs"),
])
def test_bad_match_input_is_a_400_naming_the_field(api, payload, field):
    response = api.post(URL, payload, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_json_list_body_is_a_400(api):
    response = api.post(URL, ["needs"], content_type="application/json")

    assert response.status_code == 400


def test_match_page_renders_results_and_errors(api):
    advisor = make_advisor(name="Dana Cashflow", headline="Cash-flow forecasting")

    ok = api.get("/marketplace/match/", {"needs": "cash flow forecasting"})
    bad = api.get("/marketplace/match/", {"needs": "cash", "budget": "-5"})

    assert ok.status_code == 200 and "Dana Cashflow" in ok.content.decode()
    assert f"/marketplace/advisors/{advisor.id}/" in ok.content.decode()
    assert bad.status_code == 400 and "Must not be negative" in bad.content.decode()


def test_hashed_embedder_is_deterministic_normalised_and_meaningful():
    embedder = HashedNgramEmbedder()
    a, b, c = embedder.embed(["Series A fundraising for SaaS", "SaaS fundraising, Series A",
                              "inventory costing for a bakery"])

    assert np.allclose(a, embedder.embed(["Series A fundraising for SaaS"])[0])
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert float(a @ b) > 0.7 > float(a @ c)
    assert embedder.embed([""]).shape == (1, embedder.dimensions)


def test_auto_embedder_is_wordllama_and_unknown_kinds_are_refused(settings):
    from apps.marketplace.embedding import _build

    assert _build("auto", "all-MiniLM-L6-v2").name == "wordllama-l2-supercat-256"
    with pytest.raises(Exception, match="MARKETPLACE_EMBEDDER"):
        _build("magic", "x")


def test_free_text_ranking_with_every_preference_equals_the_brute_force_ranking():
    # The flat score (weights folded into each term) against the plain formula, with
    # no hard filter and every kind of soft preference set by hand.
    _random_advisors(120, random.Random(5))
    criteria = match_criteria_parse({"needs": "investors want a board pack and a pricing model",
                                     "prefer_industries": ["saas", "retail"],
                                     "prefer_services": ["fundraising", "fpa", "cash_flow"],
                                     "prefer_size": "small", "prefer_budget": "5000"})
    assert criteria.prefer_size == "small" and criteria.prefer_budget is not None

    expected = brute_force_top(criteria)
    got = advisor_match_uncached(criteria)

    assert [row["id"] for row in got] == [advisor_id for advisor_id, _ in expected]
    for row, (_, score) in zip(got, expected, strict=True):
        assert row["score"] == pytest.approx(score, abs=1e-4)  # scores are rounded to 4 places


@pytest.mark.parametrize(("column", "array"), [("industry_bits", "industries"),
                                               ("service_bits", "services"),
                                               ("size_bits", "company_sizes")])
def test_generated_code_bits_agree_with_the_vocabulary_for_every_code(column, array):
    # Matching tests the bits, not the arrays: a vocabulary change without a migration
    # that regenerates the columns fails here.
    from apps.marketplace.code_bits import BITS_OF

    _, masks = BITS_OF[array]
    for code, mask in masks.items():
        advisor = make_advisor(embed=False, **{array: [code]})
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM marketplace_advisorprofile "
                           "WHERE id = %s", [advisor.pk])
            assert cursor.fetchone()[0] == mask, code
