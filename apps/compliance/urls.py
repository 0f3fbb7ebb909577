"""Compliance monitor pages, under /compliance/."""

from django.urls import path

from apps.compliance import views

staff_patterns = ([
    path("", views.findings, name="findings"),
    path("check/", views.evaluate_now, name="evaluate"),
    path("settings/", views.settings_edit, name="settings"),
    path("findings/<int:finding_id>/", views.finding_detail, name="finding"),
    path("findings/<int:finding_id>/resolve/", views.finding_resolve, name="resolve"),
    path("findings/<int:finding_id>/deletion/", views.deletion_request,
         name="deletion_request"),
    path("deletions/<int:deletion_id>/decide/", views.deletion_decide, name="deletion_decide"),
], "compliance")
