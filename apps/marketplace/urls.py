"""Marketplace pages: `public_patterns` on the bare domain, `firm_patterns` on firm hosts."""

from django.urls import path

from apps.marketplace import views, views_firm

public_patterns = ([
    path("", views.advisor_search_page, name="search"),
    path("advisors/<int:pk>/", views.advisor_detail_page, name="advisor"),
    path("match/", views.advisor_match_page, name="match"),
    path("profile/", views.advisor_profile_edit, name="profile"),
    path("profile/payout/", views.advisor_payout_account, name="payout"),
    path("inbox/", views.advisor_inbox, name="inbox"),
    path("inbox/<int:pk>/<str:action>/", views.advisor_inbox_action, name="inbox-action"),
], "marketplace")

firm_patterns = ([
    path("", views_firm.firm_engagements, name="engagements"),
    path("request/<int:advisor_id>/", views_firm.engagement_request_page, name="request"),
    path("engagements/<int:pk>/review/", views_firm.engagement_review_page, name="review"),
], "firm_marketplace")
