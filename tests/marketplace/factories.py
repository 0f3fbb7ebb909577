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


def make_firm_client(firm, name: str = "Acme Widgets") -> int:
    """A real client in the firm's schema, visible to every client-side user of the firm
    (so they may review its engagements)."""
    from django_tenants.utils import schema_context

    from apps.accounts.models import Membership
    from apps.accounts.roles import CLIENT_ROLES
    from apps.portal.models import Client, ClientAccess

    user_ids = list(Membership.objects.filter(firm=firm, role__in=CLIENT_ROLES)
                    .values_list("user_id", flat=True))
    with schema_context(firm.schema_name):
        client = Client.objects.create(business_name=name)
        ClientAccess.objects.bulk_create(ClientAccess(client=client, user_id=user_id)
                                         for user_id in user_ids)
    return client.pk


def make_engagement(*, firm, advisor: AdvisorProfile, requested_by: User,
                    status: str = "requested", client_id: int | None = None,
                    client_name: str = "Acme Widgets") -> MarketplaceEngagement:
    if client_id is None:
        client_id = make_firm_client(firm, client_name)
    return MarketplaceEngagement.objects.create(
        firm=firm, advisor=advisor, requested_by=requested_by, status=status,
        client_id=client_id, client_name=client_name, agreed_rate=Decimal("4000"))


def completed_engagement_with_review(world, advisor: AdvisorProfile, *, rating: int,
                                     client_id: int | None = None):
    """A delivered engagement of `world`'s firm, reviewed by its client member."""
    from apps.accounts.roles import Role
    from apps.marketplace.reviews import review_create

    engagement = make_engagement(firm=world.firm, advisor=advisor,
                                 requested_by=world.user(Role.OWNER), status="completed",
                                 client_id=client_id)
    return review_create(engagement=engagement, author=world.user(Role.CLIENT_MEMBER), nps=9,
                         overall_rating=rating, engagement_rating=rating,
                         responsiveness_rating=rating, text=f"Rated {rating}.")
