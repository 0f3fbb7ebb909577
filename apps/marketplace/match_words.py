"""A match in words: "54 % match" and why, instead of raw scores and similarities.

The percentage is the blended score itself (apps/marketplace/matching.py: weights summing
to one, each part between 0 and 1), so it is the same number the ranking uses; the
reasons name what the advisor and the client's search have in common.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from advisoros.labels import label
from apps.marketplace.params import MatchCriteria

CLOSE_WORDS = 0.5  # cosine similarity from which a profile reads like the needs described
SOME_WORDS = 0.3


def _listed(kind: str, codes) -> str:
    names = [label(kind, code) for code in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def match_reasons(item: dict[str, Any], criteria: MatchCriteria) -> list[str]:
    reasons = []
    similarity = item.get("breakdown", {}).get("similarity", 0)
    if similarity >= CLOSE_WORDS:
        reasons.append("Their profile reads close to what you described")
    elif similarity >= SOME_WORDS:
        reasons.append("Their profile covers part of what you described")
    industries = [code for code in (*criteria.industries, *criteria.prefer_industries)
                  if code in (item.get("industries") or [])]
    if industries:
        reasons.append(f"Works with {_listed('advisor_industry', dict.fromkeys(industries))}"
                       " companies")
    services = [code for code in (*criteria.required_services, *criteria.prefer_services)
                if code in (item.get("services") or [])]
    if services:
        reasons.append(f"Offers {_listed('advisor_service', dict.fromkeys(services))}")
    budget = criteria.budget or criteria.prefer_budget
    retainer = item.get("monthly_retainer_min")
    if budget and retainer is not None and Decimal(retainer) <= budget:
        reasons.append(f"Retainer from ${Decimal(retainer):,.0f} a month, within your budget"
                       if retainer else "No minimum retainer")
    reviews = item.get("total_reviews") or 0
    if reviews:
        reasons.append(f"Rated {item['overall_rating']} out of 5 by {reviews} "
                       f"client{'s' if reviews != 1 else ''}")
    if item.get("availability"):
        reasons.append(label("availability", item["availability"]))
    return reasons


def matches_in_words(results: list[dict[str, Any]], criteria: MatchCriteria
                     ) -> list[dict[str, Any]]:
    """Each match with `match_percent` and `reasons` (copies: results may be cached)."""
    return [{**item, "match_percent": round(100 * float(item["score"])),
             "reasons": match_reasons(item, criteria)} for item in results]
