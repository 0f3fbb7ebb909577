"""Loads the evaluation sets, generates their advisors and scores rankings.

Two need sets:
- `needs.json`: needs written for one of 20 specialties of the written advisors
  (`advisors.json`).
- `needs_outside.json`: 100 needs written apart from the product's code, topics and
  vocabulary lists, each for one industry and one or two services, avoiding the labels'
  words and their jargon; ranked against the written advisors or against the seeded
  marketplace (15,000 generated advisors).

Relevance is graded from the advisors' true specialties or tags, never from the matcher.
With both specialties known: 2 = the advisor's specialty is the one the need was written
for; 1 = it shares the need's industry or its service; 0 = otherwise. Otherwise by tags:
2 = the advisor serves the need's industry and offers one of its services; 1 = one of the
two; 0 = neither. P@5 and recall@20 count grade 2 only; nDCG@10 uses the grades (gain
2^grade - 1); strict nDCG@10 counts grade 2 only (binary relevance: both the industry
and a service, or the specialty).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from apps.marketplace.vocabulary import CompanySize, Industry, Service

DATA_DIR = Path(__file__).parent
PROFILE_COPIES = 2  # advisors generated per written profile (other name, tags, rating)
_TITLES = ("Fractional CFO", "Part-time CFO", "Outsourced Controller", "Finance Consultant",
           "Interim Finance Director", "Virtual CFO", "Strategic Finance Advisor")
_NAMES = ("Alex Brandt", "Bea Ortiz", "Cal Nowak", "Dee Ferreira", "Eli Stroud", "Fay Lindgren",
          "Gus Amari", "Hal Petrov", "Ines Achebe", "Jo Whitfield", "Kit Ramos", "Lou Tanaka")


@dataclass(frozen=True)
class EvalAdvisor:
    key: str  # unique within the set
    specialty: str
    industry: str
    service: str
    fields: dict


@dataclass(frozen=True)
class EvalNeed:
    text: str
    split: str
    industry: str
    services: tuple[str, ...]
    specialty: str = ""  # only for needs.json, written for a specialty


@dataclass(frozen=True)
class PoolAdvisor:
    """An advisor the rankings are graded on: its tags, and its specialty when known."""
    industries: frozenset[str]
    services: frozenset[str]
    specialty: str = ""


@lru_cache(maxsize=1)
def _raw() -> tuple[dict, dict]:
    advisors = json.loads((DATA_DIR / "advisors.json").read_text())
    needs = json.loads((DATA_DIR / "needs.json").read_text())
    return advisors, needs


def specialties() -> dict[str, tuple[str, str]]:
    """specialty key -> (industry code, service code)."""
    return {s["key"]: (s["industry"], s["service"]) for s in _raw()[0]["specialties"]}


def needs() -> list[EvalNeed]:
    known = specialties()
    raw = _raw()[1]["needs"]
    unknown = {n["specialty"] for n in raw} - set(known)
    if unknown:
        raise ValueError(f"needs.json names unknown specialties: {sorted(unknown)}")
    return [EvalNeed(text=n["text"], split=n["split"], industry=known[n["specialty"]][0],
                     services=(known[n["specialty"]][1],), specialty=n["specialty"])
            for n in raw]


def outside_needs() -> list[EvalNeed]:
    """needs_outside.json, split in halves within each industry (alternating in the file's
    order, the first of every other industry going to test), so both halves cover every
    industry and the split does not depend on the matcher."""
    raw = json.loads((DATA_DIR / "needs_outside.json").read_text())["needs"]
    bad = [n["id"] for n in raw if n["industry"] not in Industry.values
           or not n["services"] or set(n["services"]) - set(Service.values)]
    if bad:
        raise ValueError(f"needs_outside.json: unknown industry or service in needs {bad}")
    seen_in_industry: dict[str, int] = {}
    industry_order = {code: i for i, code in enumerate(Industry.values)}
    result = []
    for need in sorted(raw, key=lambda n: n["id"]):
        position = seen_in_industry.get(need["industry"], 0)
        seen_in_industry[need["industry"]] = position + 1
        split = "dev" if (position + industry_order[need["industry"]]) % 2 == 0 else "test"
        result.append(EvalNeed(text=need["text"], split=split, industry=need["industry"],
                               services=tuple(need["services"])))
    return result


def advisors(seed: int = 11) -> list[EvalAdvisor]:
    """Deterministic: the same seed gives the same advisors."""
    rng = random.Random(seed)
    result = []
    for specialty in _raw()[0]["specialties"]:
        for p_index, profile in enumerate(specialty["profiles"]):
            for copy in range(PROFILE_COPIES):
                industries = {specialty["industry"],
                              *rng.sample(Industry.values, rng.randint(0, 1))}
                services = {specialty["service"], *rng.sample(Service.values, rng.randint(0, 2))}
                start = rng.randrange(len(CompanySize.values))
                sizes = CompanySize.values[start:start + rng.randint(1, 3)]
                max_clients = rng.randint(3, 8)
                reviews = rng.randint(0, 40)
                rating = Decimal(rng.randint(350, 500)) / 100 if reviews else Decimal("0")
                result.append(EvalAdvisor(
                    key=f"{specialty['key']}-{p_index}-{copy}", specialty=specialty["key"],
                    industry=specialty["industry"], service=specialty["service"],
                    fields={
                        "professional_title": rng.choice(_TITLES),
                        "headline": profile["headline"], "bio": profile["bio"],
                        "years_experience": rng.randint(4, 30),
                        "industries": sorted(industries), "services": sorted(services),
                        "company_sizes": sizes, "certifications": [],
                        "hourly_rate": Decimal(rng.randrange(120, 400, 10)),
                        "monthly_retainer_min": Decimal(rng.choice((0, 1500, 3000, 5000, 8000))),
                        "overall_rating": rating, "total_reviews": reviews,
                        "rating_sum": round(rating * reviews),
                        "current_clients": rng.randint(0, max_clients - 1),
                        "max_clients": max_clients, "status": "active", "is_verified": True,
                    }))
    return result


def advisor_name(index: int) -> str:
    return f"{_NAMES[index % len(_NAMES)]} {index // len(_NAMES) + 1}"


def pool_advisor(advisor: EvalAdvisor) -> PoolAdvisor:
    """A written advisor is graded on its true specialty, not its secondary tags."""
    return PoolAdvisor(industries=frozenset({advisor.industry}),
                       services=frozenset({advisor.service}), specialty=advisor.specialty)


def grade(need: EvalNeed, advisor: PoolAdvisor) -> int:
    if need.specialty and advisor.specialty == need.specialty:
        return 2
    industry_hit = need.industry in advisor.industries
    service_hit = not advisor.services.isdisjoint(need.services)
    if industry_hit and service_hit and not (need.specialty and advisor.specialty):
        return 2
    return 1 if industry_hit or service_hit else 0


def ndcg_at(ranked_grades: list[int], all_grades: list[int], k: int = 10) -> float:
    def dcg(grades: list[int]) -> float:
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))
    ideal = dcg(sorted(all_grades, reverse=True))
    return dcg(ranked_grades) / ideal if ideal else 0.0


def metrics(ranked_grades: list[int], all_grades: list[int]) -> dict[str, float]:
    """nDCG@10 (graded), strict nDCG@10, P@5 and recall@20 (grade 2 = relevant) of one
    ranking."""
    relevant = sum(1 for g in all_grades if g == 2)
    strict = [[1 if g == 2 else 0 for g in grades] for grades in (ranked_grades, all_grades)]
    return {"ndcg@10": ndcg_at(ranked_grades, all_grades),
            "strict ndcg@10": ndcg_at(*strict),
            "p@5": sum(1 for g in ranked_grades[:5] if g == 2) / 5,
            "recall@20": sum(1 for g in ranked_grades[:20] if g == 2) / relevant
            if relevant else 0.0}
