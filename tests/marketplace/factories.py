"""Test data for the marketplace: listed advisors with real embeddings, engagements."""

from __future__ import annotations

import itertools
from decimal import Decimal

from apps.accounts.models import User
from apps.marketplace.embedding import embedder_get, embedding_source, profile_text
from apps.marketplace.models import AdvisorProfile, MarketplaceEngagement

_counter = itertools.count(1)


def make_advisor(*, name: str | None = None, embed: bool = True, **fields) -> AdvisorProfile:
    number = next(_counter)
    user = User.objects.create_user(email=f"advisor{number}@advisors.test", password=None,
                                    full_name=name or f"Advisor {number}")
    values = {
        "professional_title": "Fractional CFO",
        "headline": "Finance leadership for growing companies",
        "bio": "I help companies plan cash and report to boards.",
        "years_experience": 10,
        "industries": ["saas"],
        "services": ["fractional_cfo"],
        "company_sizes": ["small"],
        "certifications": ["CPA"],
        "hourly_rate": Decimal("200"),
        "monthly_retainer_min": Decimal("3000"),
        "overall_rating": Decimal("4.50"),
        "total_reviews": 10,
        "rating_sum": 45,
        "current_clients": 1,
        "max_clients": 5,
        "status": "active",
        "is_verified": True,
    }
    values.update(fields)
    profile = AdvisorProfile(user=user, **values)
    if embed:
        text = profile_text(**{k: values[k] for k in ("professional_title", "headline", "bio",
                                                      "industries", "services")})
        profile.embedding = embedder_get().embed([text])[0]
        profile.embedding_source = embedding_source(text, embedder_get())
    profile.save()
    return profile


def make_engagement(*, firm, advisor: AdvisorProfile, requested_by: User,
                    status: str = "requested", client_id: int = 1,
                    client_name: str = "Acme Widgets") -> MarketplaceEngagement:
    return MarketplaceEngagement.objects.create(
        firm=firm, advisor=advisor, requested_by=requested_by, status=status,
        client_id=client_id, client_name=client_name, agreed_rate=Decimal("4000"))


def completed_engagement_with_review(world, advisor: AdvisorProfile, *, rating: int,
                                     client_id: int = 1):
    """A delivered engagement of `world`'s firm, reviewed by its client member."""
    from apps.accounts.roles import Role
    from apps.marketplace.reviews import review_create

    engagement = make_engagement(firm=world.firm, advisor=advisor,
                                 requested_by=world.user(Role.OWNER), status="completed",
                                 client_id=client_id)
    return review_create(engagement=engagement, author=world.user(Role.CLIENT_MEMBER), nps=9,
                         overall_rating=rating, engagement_rating=rating,
                         responsiveness_rating=rating, text=f"Rated {rating}.")
