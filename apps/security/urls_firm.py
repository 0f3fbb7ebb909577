"""Firm admins' security pages (firm URLconf, under security/)."""

from django.urls import path

from apps.security import views_firm as views

app_name = "firm_security"

urlpatterns = [
    path("", views.security_overview, name="overview"),
    path("settings/", views.security_settings, name="settings"),
    path("members/<int:user_id>/unlock/", views.member_unlock, name="member_unlock"),
    path("audit/", views.audit_trail, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:key_id>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
]
