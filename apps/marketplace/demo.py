"""The marketplace a newcomer sees after `make run` (called by `manage.py seed_demo`).

A few hundred generated advisors (bulk inserts, embeddings in batches: apps/marketplace/
seed.py), and ratings that are true: an advisor's review count and average come from
review rows a client of a demo firm wrote after a completed engagement, never from
numbers with nothing behind them (the card would say "(12 reviews)" and the profile
"No reviews yet").
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.firms.models import Firm
from apps.marketplace.cache import advisors_cache_invalidate
from apps.marketplace.models import (
    LISTED,
    AdvisorProfile,
    AdvisorReview,
    MarketplaceEngagement,
)
from apps.marketplace.seed import SEED_EMAIL_DOMAIN, seed_advisors

DEMO_ADVISORS = 300
REVIEWED_ADVISORS = 45
REVIEWING_FIRM = "johnson-associates"
REVIEW_TEXTS = [
    "Rebuilt our cash-flow forecast in two weeks; the board finally trusts the numbers.",
    "Clear, fast and practical. Our month-end close went from 12 days to 5.",
    "Helped us price our services properly and negotiate a better credit line.",
    "Good advice on the budget, though scheduling calls took a while.",
    "",
    "Set up KPIs we actually look at every Monday. Would hire again.",
]

def _aggregates_from_rows() -> None:
    # Simple and exact: zero the generated advisors, then add what their rows say.
    generated = AdvisorProfile.objects.filter(user__email__endswith="@" + SEED_EMAIL_DOMAIN)
    generated.update(total_reviews=0, rating_sum=0, overall_rating=Decimal("0"))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_advisorprofile AS p SET total_reviews = r.n, "
            "rating_sum = r.total, overall_rating = ROUND(r.total::numeric / r.n, 2) "
            "FROM (SELECT advisor_id, COUNT(*) AS n, SUM(overall_rating) AS total "
            "      FROM marketplace_advisorreview WHERE status = 'published' "
            "      GROUP BY advisor_id) AS r "
            "WHERE r.advisor_id = p.id")


def _reviews(firm: Firm, progress: Callable[[str], None]) -> int:
    """Completed engagements of the demo firm's clients with the generated advisors
    they hired, each reviewed by the client's owner."""
    from apps.portal.models import Client

    author_id = (Membership.objects.filter(firm=firm, role=Role.CLIENT_OWNER)
                 .values_list("user_id", flat=True).first())
    if author_id is None:
        return 0
    with schema_context(firm.schema_name):
        clients = list(Client.objects.filter(accesses__user_id=author_id)
                       .order_by("id").values_list("id", "business_name"))
        if not clients:
            return 0
    advisors = list(AdvisorProfile.objects.filter(LISTED, user__email__endswith="@"
                                                  + SEED_EMAIL_DOMAIN)
                    .order_by("id")[:REVIEWED_ADVISORS])
    rng = random.Random(16)
    now = timezone.now()
    engagements, reviews = [], []
    for n, advisor in enumerate(advisors):
        for k in range(1 + n % 3):
            client_id, client_name = clients[(n + k) % len(clients)]
            started = now - timedelta(days=200 - 3 * n - 40 * k)
            engagements.append(MarketplaceEngagement(
                firm=firm, client_id=client_id, client_name=client_name, advisor=advisor,
                requested_by_id=author_id, status=MarketplaceEngagement.Status.COMPLETED,
                agreed_rate=advisor.hourly_rate, responded_at=started, started_at=started,
                completed_at=started + timedelta(days=60)))
    with transaction.atomic():
        MarketplaceEngagement.objects.bulk_create(engagements)
        for engagement in engagements:
            rating = rng.choice((5, 5, 5, 4, 4, 3))
            reviews.append(AdvisorReview(
                engagement=engagement, advisor=engagement.advisor, author_id=author_id,
                nps=min(10, rating * 2 + rng.randint(-1, 0)), overall_rating=rating,
                engagement_rating=max(1, rating - rng.randint(0, 1)),
                responsiveness_rating=max(1, rating - rng.randint(0, 1)),
                text=REVIEW_TEXTS[rng.randrange(len(REVIEW_TEXTS))]))
        AdvisorReview.objects.bulk_create(reviews)
    progress(f"    {len(reviews)} reviews of {len(advisors)} advisors by "
             f"{firm.name}'s clients")
    return len(reviews)


def seed_marketplace_demo(progress: Callable[[str], None] = print,
                          advisors: int = DEMO_ADVISORS) -> None:
    with schema_context("public"):
        created = seed_advisors(count=advisors)
        progress(f"    {created} advisors created ({advisors} in the demo)")
        firm = Firm.objects.filter(slug=REVIEWING_FIRM).first()
        if firm is not None and not AdvisorReview.objects.filter(
                advisor__user__email__endswith="@" + SEED_EMAIL_DOMAIN).exists():
            _reviews(firm, progress)
        _aggregates_from_rows()
        advisors_cache_invalidate()
