"""Marketplace API routes: `public_patterns` on the bare domain, `firm_patterns` on firm
hosts (both under api/v1/marketplace/)."""

from django.urls import path

from apps.marketplace.api import views

public_patterns = ([
    path("advisors/", views.AdvisorListAPI.as_view(), name="advisor-list"),
    path("advisors/<int:pk>/", views.AdvisorDetailAPI.as_view(), name="advisor-detail"),
    path("match/", views.MatchAPI.as_view(), name="match"),
    path("my/engagements/<int:pk>/<str:action>/", views.AdvisorEngagementActionAPI.as_view(),
         name="my-engagement-action"),
], "marketplace_api")

firm_patterns = ([
    path("engagements/", views.FirmEngagementsAPI.as_view(), name="engagements"),
    path("engagements/<int:pk>/review/", views.EngagementReviewAPI.as_view(),
         name="engagement-review"),
], "firm_marketplace_api")
