"""Marketplace API. Public (bare domain): advisor search, detail and matching, open to
anyone. Advisor side (bare domain, signed in): the advisor's own engagements. Firm side
(firm host): request an advisor for a client, list the firm's engagements, review.

Views are thin: input goes through the same parsers as the pages, reads through
selectors, writes through services; a ValidationError becomes a 400 with field messages.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisoros.api import service_errors
from apps.accounts.permissions import HasFirmPermission
from apps.accounts.roles import Perm
from apps.marketplace import selectors, services
from apps.marketplace.cache import cached
from apps.marketplace.edge_cache import edge_store
from apps.marketplace.matching import advisor_match, match_weights
from apps.marketplace.models import MarketplaceEngagement
from apps.marketplace.params import (
    MONEY_MAX,
    NEEDS_MAX_CHARS,
    PAGE_SIZE_MAX,
    QUERY_MAX_CHARS,
    SEARCH_PARAM_NAMES,
    SORTS,
    match_criteria_parse,
    search_params_parse,
)
from apps.marketplace.reviews import review_create
from apps.marketplace.vocabulary import CompanySize, Industry, Service
from apps.security.models import ApiKey


def _decimals_as_text(value: Any) -> Any:
    """Money and ratings leave as exact decimal strings ("200.00"), never floats."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _decimals_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals_as_text(v) for v in value]
    return value


def _parse(parser, data) -> Any:
    try:
        return parser(data)
    except DjangoValidationError as exc:
        raise service_errors(exc) from exc


def _page_link(request: Request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.query_params.copy()
    for name in set(query) - SEARCH_PARAM_NAMES:
        del query[name]
    query["cursor"] = cursor
    return request.build_absolute_uri(request.path + "?" + query.urlencode())


_NO_NUL = "^[^\\u0000]*$"
# The limits apps/marketplace/params.py enforces, so the schema says what is accepted.
_SEARCH_PARAMS = [
    OpenApiParameter("industries", {"type": "string", "enum": list(Industry.values)},
                     many=True, description="Any of these codes."),
    OpenApiParameter("services", {"type": "string", "enum": list(Service.values)},
                     many=True, description="Any of these codes."),
    OpenApiParameter("min_rating", {"type": "number", "minimum": 0, "maximum": 5}),
    OpenApiParameter("max_rate", {"type": "number", "minimum": 0,
                                  "maximum": int(MONEY_MAX)}),
    OpenApiParameter("available", bool, description="Has a free client slot."),
    OpenApiParameter("verified", {"type": "boolean", "enum": [True]},
                     description="Only verified advisors are listed: true or leave out."),
    OpenApiParameter("q", {"type": "string", "maxLength": QUERY_MAX_CHARS,
                           "pattern": _NO_NUL}),
    OpenApiParameter("sort", str, enum=list(SORTS)),
    OpenApiParameter("page_size", {"type": "integer", "minimum": 1,
                                   "maximum": PAGE_SIZE_MAX}, description="Default 20."),
    OpenApiParameter("cursor", str, description="Opaque: the `next_cursor` of a page we "
                                                 "returned. Any other value is a 400."),
]
_CODES = {"type": "array", "items": {"type": "string"}}
MATCH_REQUEST_SCHEMA = {
    "type": "object",
    "properties": {
        "industries": {**_CODES, "items": {"type": "string", "enum": list(Industry.values)},
                       "nullable": True},
        "required_services": {**_CODES, "items": {"type": "string",
                                                  "enum": list(Service.values)},
                              "nullable": True},
        # null or "" reads as "not given", like a missing key.
        "budget": {"type": "number", "minimum": 0, "maximum": int(MONEY_MAX),
                   "nullable": True},
        "company_size": {"type": "string", "enum": [*CompanySize.values, None],
                         "nullable": True},
        "needs": {"type": "string", "maxLength": NEEDS_MAX_CHARS, "pattern": _NO_NUL,
                  "nullable": True},
    },
    # Something to match on: a description, or industries, or services.
    "anyOf": [
        {"required": ["needs"], "properties": {"needs": {"type": "string",
                                                         "pattern": "\\S"}}},
        {"required": ["industries"], "properties": {"industries": {"type": "array",
                                                                   "minItems": 1}}},
        {"required": ["required_services"],
         "properties": {"required_services": {"type": "array", "minItems": 1}}},
    ],
}


def _cached_json(request: Request, kind: str, key: dict[str, Any],
                 compute: Callable[[], Any]) -> HttpResponse | Response:
    """The public reads are the busiest requests of the product: on a hit, the stored
    JSON bytes go out as they are, with no serialisation at all. The cache versioning of
    apps/marketplace/cache.py makes any profile or review change reach them at once."""
    if request.accepted_renderer.format != "json":  # the browsable API: render each time
        return Response(compute())
    body, _ = cached(kind, key, settings.MARKETPLACE_SEARCH_CACHE_SECONDS,
                     lambda: JSONRenderer().render(compute()))
    edge_store(request, body)  # for the anonymous visitors after this one
    return HttpResponse(body, content_type="application/json")


class AdvisorListAPI(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=_SEARCH_PARAMS, responses={200: dict})
    def get(self, request: Request, **kwargs) -> HttpResponse | Response:
        params = _parse(search_params_parse, request.query_params)

        def page_body() -> dict[str, Any]:
            page, _ = selectors.advisor_search(params)
            return {"results": _decimals_as_text(page.results),
                    "next_cursor": page.next_cursor,
                    "next": _page_link(request, page.next_cursor)}

        # The data depends on the normalised parameters; the `next` link on the address
        # and the known parameters as sent (junk parameters make no new entries).
        known = sorted((name, value) for name, values in request.query_params.lists()
                       if name in SEARCH_PARAM_NAMES for value in values)
        return _cached_json(request, "search_api", {
            "params": params.cache_dict(), "query": known,
            "base": request.build_absolute_uri(request.path)}, page_body)


class AdvisorDetailAPI(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, pk: int, **kwargs) -> HttpResponse | Response:
        def detail_body() -> dict[str, Any]:
            advisor = selectors.advisor_detail(pk)
            if advisor is None:  # not cached: an unknown id costs the database each time
                raise Http404
            return _decimals_as_text(advisor)

        return _cached_json(request, "detail_api", {"pk": pk}, detail_body)


class MatchAPI(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request={"application/json": MATCH_REQUEST_SCHEMA}, responses={200: dict})
    def post(self, request: Request, **kwargs) -> Response:
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        criteria = _parse(match_criteria_parse, request.data)
        results, _ = advisor_match(criteria)
        # What the soft preferences were (read from `needs` unless sent): send them back
        # as `prefer_*` to keep or change them.
        understood = {"prefer_industries": list(criteria.prefer_industries),
                      "prefer_services": list(criteria.prefer_services),
                      "prefer_size": criteria.prefer_size,
                      "prefer_budget": None if criteria.prefer_budget is None
                      else str(criteria.prefer_budget),
                      "inferred": criteria.preferences_inferred,
                      "summary": criteria.preferences_summary()}
        return Response({"results": _decimals_as_text(results), "weights": match_weights(),
                         "understood": understood})


# --- Advisor side ------------------------------------------------------------------------

_ENGAGEMENT_FIELDS = ("id", "status", "client_name", "agreed_rate", "requested_at",
                      "responded_at", "started_at", "completed_at")


class AdvisorEngagementActionAPI(APIView):
    """The advisor accepts, declines, starts or completes one of their engagements."""

    permission_classes = [IsAuthenticated]
    ACTIONS = {"accept", "decline", "start", "complete"}

    @extend_schema(request=None, responses={200: dict}, parameters=[
        OpenApiParameter("action", str, OpenApiParameter.PATH,
                         enum=["accept", "decline", "start", "complete"])])
    def post(self, request: Request, pk: int, action: str, **kwargs) -> Response:
        profile = selectors.advisor_profile_for_user(request.user)
        if profile is None or action not in self.ACTIONS:
            raise Http404
        engagement = selectors.engagements_for_advisor(profile).filter(pk=pk).first()
        if engagement is None:
            raise Http404
        try:
            engagement = advisor_engagement_act(engagement, request.user, action)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response(_decimals_as_text({f: getattr(engagement, f)
                                           for f in _ENGAGEMENT_FIELDS}))


def advisor_engagement_act(engagement: MarketplaceEngagement, user, action: str
                           ) -> MarketplaceEngagement:
    if action in ("accept", "decline"):
        return services.engagement_respond(engagement=engagement, advisor_user=user,
                                           accept=action == "accept")
    if action == "start":
        return services.engagement_start(engagement=engagement, advisor_user=user)
    return services.engagement_complete(engagement=engagement, advisor_user=user)


# --- Firm side ------------------------------------------------------------------------------


class EngagementRequestInput(serializers.Serializer):
    advisor = serializers.IntegerField()
    client_id = serializers.IntegerField()
    client_name = serializers.CharField(max_length=200, trim_whitespace=True, required=False,
                                        allow_blank=True)
    agreed_rate = serializers.DecimalField(max_digits=10, decimal_places=2)
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                    default="")


def engagement_row(engagement: MarketplaceEngagement) -> dict[str, Any]:
    row = {f: getattr(engagement, f) for f in _ENGAGEMENT_FIELDS}
    row.update(client_id=engagement.client_id, advisor=engagement.advisor_id,
               advisor_name=engagement.advisor.user.full_name,
               reviewed=hasattr(engagement, "review"))
    return row


API_KEY_CANNOT_REQUEST = (
    "API keys cannot request advisors: a request is made by a signed-in person of the "
    "firm, who answers for it to the advisor. Keys may list the firm's engagements (GET).")


class FirmEngagementsAPI(APIView):
    """The firm's marketplace engagements (GET) and new requests (POST)."""

    permission_classes = [HasFirmPermission]
    required_permission = Perm.MARKETPLACE_REQUEST

    @extend_schema(responses={200: dict})
    def get(self, request: Request, **kwargs) -> Response:
        rows = selectors.engagements_for_firm(request.firm)[:100]
        return Response({"results": _decimals_as_text([engagement_row(e) for e in rows])})

    @extend_schema(
        request=EngagementRequestInput,
        responses={201: dict, 403: OpenApiResponse(
            description="Refused to API keys: a request for an advisor is made by a person "
                        "of the firm (signed in), who answers for it to the advisor.")})
    def post(self, request: Request, **kwargs) -> Response:
        if isinstance(request.auth, ApiKey):
            raise PermissionDenied(API_KEY_CANNOT_REQUEST)
        data = EngagementRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            engagement = services.engagement_request(
                firm=request.firm, requested_by=request.user,
                advisor_id=data.validated_data["advisor"],
                client_id=data.validated_data["client_id"],
                client_name=data.validated_data.get("client_name", ""),
                agreed_rate=data.validated_data["agreed_rate"],
                message=data.validated_data["message"])
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response(_decimals_as_text({f: getattr(engagement, f)
                                           for f in _ENGAGEMENT_FIELDS}), status=201)


class ReviewInput(serializers.Serializer):
    nps = serializers.IntegerField(min_value=0, max_value=10)
    overall_rating = serializers.IntegerField(min_value=1, max_value=5)
    engagement_rating = serializers.IntegerField(min_value=1, max_value=5)
    responsiveness_rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class EngagementReviewAPI(APIView):
    """A client-side member of the firm reviews a completed engagement."""

    permission_classes = [HasFirmPermission]
    required_permission = Perm.PORTAL_ACCESS

    @extend_schema(request=ReviewInput, responses={201: dict})
    def post(self, request: Request, pk: int, **kwargs) -> Response:
        engagement = selectors.engagement_for_client_user(request.firm, pk, request.user.pk)
        if engagement is None:
            raise Http404
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            review = review_create(engagement=engagement, author=request.user,
                                   **data.validated_data)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response({"id": review.id, "overall_rating": review.overall_rating,
                         "status": review.status}, status=201)
