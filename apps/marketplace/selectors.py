"""Marketplace reads: the advisor search engine behind the page and the API, the detail
view, and the engagement lists.

`advisor_search` is one query whatever the filters: listed advisors only, keyset
pagination on (sort column, id) so page 50 costs what page 1 costs, and only the list
columns (never the bio or the embedding). Results are cached per normalised parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL

from apps.marketplace.cache import cached
from apps.marketplace.models import (
    HAS_CAPACITY,
    LISTED,
    AdvisorProfile,
    AdvisorReview,
    MarketplaceEngagement,
)
from apps.marketplace.params import SORTS, Cursor, SearchParams

_TABLE = AdvisorProfile._meta.db_table

# What a list row carries. The bio and the embedding are left out on purpose.
LIST_FIELDS = (
    "id", "professional_title", "headline", "industries", "services", "certifications",
    "years_experience", "hourly_rate", "monthly_retainer_min", "overall_rating",
    "total_reviews", "availability", "is_verified", "current_clients", "max_clients",
)
DETAIL_EXTRA_FIELDS = ("bio", "company_sizes", "updated_at")
LATEST_REVIEWS = 3


@dataclass(frozen=True)
class SearchPage:
    results: list[dict[str, Any]]
    next_cursor: str | None


def advisors_listed() -> QuerySet[AdvisorProfile]:
    return AdvisorProfile.objects.filter(LISTED)


def _row(values: dict[str, Any]) -> dict[str, Any]:
    values["has_capacity"] = values.pop("current_clients") < values.pop("max_clients")
    return values


def advisor_search_queryset(params: SearchParams) -> QuerySet:
    qs = advisors_listed()
    if params.industries:
        qs = qs.filter(industries__overlap=list(params.industries))
    if params.services:
        qs = qs.filter(services__overlap=list(params.services))
    if params.min_rating is not None:
        qs = qs.filter(overall_rating__gte=params.min_rating)
    if params.max_rate is not None:
        qs = qs.filter(hourly_rate__lte=params.max_rate)
    if params.available is True:
        qs = qs.filter(HAS_CAPACITY)
    elif params.available is False:
        qs = qs.exclude(HAS_CAPACITY)
    if params.q:
        qs = qs.filter(search_vector=SearchQuery(params.q, config="english",
                                                 search_type="websearch"))
    column, descending = SORTS[params.sort]
    if params.cursor is not None:
        # A row comparison lets Postgres start the index scan right after the cursor.
        op = "<" if descending else ">"
        qs = qs.filter(RawSQL(  # noqa: S611 - column names are constants, values params
            f'("{_TABLE}"."{column}", "{_TABLE}"."id") {op} (%s, %s)',
            (Decimal(params.cursor.value), params.cursor.last_id),
            output_field=BooleanField(),
        ))
    ordering = [F(column).desc(), F("id").desc()] if descending else [F(column), F("id")]
    return qs.order_by(*ordering)


def advisor_search_uncached(params: SearchParams) -> SearchPage:
    column, _ = SORTS[params.sort]
    rows = list(
        advisor_search_queryset(params)
        .values(*LIST_FIELDS, name=F("user__full_name"))[: params.page_size + 1]
    )
    next_cursor = None
    if len(rows) > params.page_size:
        rows = rows[: params.page_size]
        last = rows[-1]
        next_cursor = Cursor(sort=params.sort, value=str(last[column]),
                             last_id=last["id"]).encode()
    return SearchPage(results=[_row(r) for r in rows], next_cursor=next_cursor)


def advisor_search(params: SearchParams) -> tuple[SearchPage, bool]:
    """(page, served_from_cache)."""
    return cached("search", params.cache_dict(), settings.MARKETPLACE_SEARCH_CACHE_SECONDS,
                  lambda: advisor_search_uncached(params))


def advisor_detail(advisor_id: int) -> dict[str, Any] | None:
    """A listed advisor with the three latest published reviews: two queries."""
    row = (advisors_listed().filter(pk=advisor_id)
           .values(*LIST_FIELDS, *DETAIL_EXTRA_FIELDS, name=F("user__full_name")).first())
    if row is None:
        return None
    row = _row(row)
    row["latest_reviews"] = list(
        AdvisorReview.objects.filter(advisor_id=advisor_id, status=AdvisorReview.Status.PUBLISHED)
        .order_by("-created_at", "-id")
        .values("id", "nps", "overall_rating", "engagement_rating", "responsiveness_rating",
                "text", "created_at", author_name=F("author__full_name"))[:LATEST_REVIEWS]
    )
    return row


def advisor_profile_for_user(user) -> AdvisorProfile | None:
    if not user.is_authenticated:
        return None
    return AdvisorProfile.objects.filter(user=user, deleted_at__isnull=True).first()


def engagements_for_advisor(profile: AdvisorProfile) -> QuerySet[MarketplaceEngagement]:
    """The advisor's inbox: open requests first, then the rest, newest first."""
    return (MarketplaceEngagement.objects.filter(advisor=profile)
            .select_related("firm").order_by("-requested_at", "-id"))


def engagements_for_firm(firm) -> QuerySet[MarketplaceEngagement]:
    return (MarketplaceEngagement.objects.filter(firm=firm)
            .select_related("advisor__user", "review").order_by("-requested_at", "-id"))


def engagement_for_firm(firm, engagement_id: int) -> MarketplaceEngagement | None:
    return (MarketplaceEngagement.objects.filter(firm=firm, pk=engagement_id)
            .select_related("advisor__user").first())


def engagement_for_client_user(firm, engagement_id: int, user_id: int
                               ) -> MarketplaceEngagement | None:
    """The engagement if it is for one of the companies this client user was given
    (ClientAccess in the firm's schema); None otherwise, even when it exists."""
    from django_tenants.utils import schema_context

    from apps.portal.selectors import portal_client_ids

    with schema_context(firm.schema_name):
        own = portal_client_ids(user_id)
    return (MarketplaceEngagement.objects.filter(firm=firm, pk=engagement_id, client_id__in=own)
            .select_related("advisor__user").first())

