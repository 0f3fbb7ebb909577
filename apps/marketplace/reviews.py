"""Reviews of delivered marketplace engagements, and the advisor rating they maintain.

The advisor's total_reviews, rating_sum and overall_rating change in one UPDATE with F()
expressions. Postgres re-reads the row after waiting for its lock, so concurrent reviews
of one advisor each add their rating exactly once; there is no read-modify-write in
Python.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Value, When
from django.db.models.functions import Cast, Now, Round

from apps.accounts.access import firm_role_get
from apps.accounts.models import User
from apps.accounts.roles import is_client_role
from apps.marketplace.models import AdvisorProfile, AdvisorReview, MarketplaceEngagement
from apps.marketplace.services import clean_int, invalidate_after_commit

TEXT_MAX = 5000


def _aggregate_change(advisor_id: int, rating_delta: int, count_delta: int) -> None:
    new_sum = F("rating_sum") + rating_delta
    new_count = F("total_reviews") + count_delta
    average = Round(Cast(new_sum, DecimalField(max_digits=12, decimal_places=4))
                    / Cast(new_count, DecimalField(max_digits=12, decimal_places=4)), 2)
    if count_delta < 0:
        # The last review going away leaves no average, not a division by zero.
        average = Case(When(total_reviews__lte=-count_delta, then=Value(Decimal("0"))),
                       default=average, output_field=DecimalField(max_digits=3, decimal_places=2))
    AdvisorProfile.objects.filter(pk=advisor_id).update(
        rating_sum=new_sum, total_reviews=new_count, overall_rating=average,
        updated_at=Now())
    invalidate_after_commit()


def _is_own_company(engagement: MarketplaceEngagement, author: User) -> bool:
    from django_tenants.utils import schema_context

    from apps.portal.selectors import portal_client_ids

    with schema_context(engagement.firm.schema_name):
        return engagement.client_id in portal_client_ids(author.pk)


@transaction.atomic
def review_create(*, engagement: MarketplaceEngagement, author: User, nps: Any,
                  overall_rating: Any, engagement_rating: Any, responsiveness_rating: Any,
                  text: str = "") -> AdvisorReview:
    """One review per completed engagement, by a client-side member of its firm."""
    engagement = MarketplaceEngagement.objects.select_for_update().get(pk=engagement.pk)
    if not is_client_role(firm_role_get(user_id=author.pk, firm_id=engagement.firm_id)) or \
            not _is_own_company(engagement, author):
        raise ValidationError({"__all__": "Only the firm's client can review this engagement."})
    if engagement.status != MarketplaceEngagement.Status.COMPLETED:
        raise ValidationError({"__all__": "Only a completed engagement can be reviewed."})
    if AdvisorReview.objects.filter(engagement=engagement).exists():
        raise ValidationError({"__all__": "This engagement has already been reviewed."})
    errors: dict[str, str] = {}
    values = {
        "nps": clean_int(nps, "nps", errors, 0, 10),
        "overall_rating": clean_int(overall_rating, "overall_rating", errors, 1, 5),
        "engagement_rating": clean_int(engagement_rating, "engagement_rating", errors, 1, 5),
        "responsiveness_rating": clean_int(responsiveness_rating, "responsiveness_rating",
                                         errors, 1, 5),
    }
    if not isinstance(text, str) or "\x00" in text:
        errors["text"] = "Must be plain text."
    elif len(text) > TEXT_MAX:
        errors["text"] = f"At most {TEXT_MAX} characters."
    if errors:
        raise ValidationError(errors)
    review = AdvisorReview.objects.create(engagement=engagement, advisor_id=engagement.advisor_id,
                                          author=author, text=text.strip(), **values)
    _aggregate_change(engagement.advisor_id, values["overall_rating"], 1)
    return review


@transaction.atomic
def review_set_published(*, review: AdvisorReview, published: bool) -> AdvisorReview:
    """Moderation: hiding a review takes it out of the rating; publishing puts it back."""
    review = AdvisorReview.objects.select_for_update().get(pk=review.pk)
    target = AdvisorReview.Status.PUBLISHED if published else AdvisorReview.Status.HIDDEN
    if review.status == target:
        return review
    review.status = target
    review.save(update_fields=["status"])
    sign = 1 if published else -1
    _aggregate_change(review.advisor_id, sign * review.overall_rating, sign)
    return review
