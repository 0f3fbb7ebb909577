"""Loads the evaluation set, generates its advisors and scores rankings.

Relevance is graded from the advisors' true specialties, never from the matcher:
2 = the advisor's specialty is the one the need was written for; 1 = the advisor's
specialty shares the need's industry or its service (partly useful); 0 = otherwise.
P@5 and recall@20 count grade 2 only; nDCG@10 uses the grades (gain 2^grade - 1).
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
    specialty: str
    split: str


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
    items = [EvalNeed(text=n["text"], specialty=n["specialty"], split=n["split"])
             for n in _raw()[1]["needs"]]
    unknown = {n.specialty for n in items} - set(known)
    if unknown:
        raise ValueError(f"needs.json names unknown specialties: {sorted(unknown)}")
    return items


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


def grade(need: EvalNeed, advisor: EvalAdvisor) -> int:
    if advisor.specialty == need.specialty:
        return 2
    industry, service = specialties()[need.specialty]
    return 1 if advisor.industry == industry or advisor.service == service else 0


def ndcg_at(ranked_grades: list[int], all_grades: list[int], k: int = 10) -> float:
    def dcg(grades: list[int]) -> float:
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))
    ideal = dcg(sorted(all_grades, reverse=True))
    return dcg(ranked_grades) / ideal if ideal else 0.0


def metrics(ranked_grades: list[int], all_grades: list[int]) -> dict[str, float]:
    """nDCG@10 (graded), P@5 and recall@20 (grade 2 = relevant) of one ranking."""
    relevant = sum(1 for g in all_grades if g == 2)
    return {"ndcg@10": ndcg_at(ranked_grades, all_grades),
            "p@5": sum(1 for g in ranked_grades[:5] if g == 2) / 5,
            "recall@20": sum(1 for g in ranked_grades[:20] if g == 2) / relevant
            if relevant else 0.0}
