"""The person's own security pages (both URLconfs, under accounts/)."""

from django.urls import path

from apps.security import views_account as views

app_name = "security"

urlpatterns = [
    path("security/", views.account_security, name="account"),
    path("reauth/", views.reauth, name="reauth"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("security/backup-codes/", views.backup_codes_new, name="backup_codes"),
    path("security/email/", views.email_change, name="email_change"),
    path("security/email/confirm/<str:token>/", views.email_change_confirm_page,
         name="email_change_confirm"),
    path("security/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("security/sessions/<int:session_id>/revoke/", views.session_revoke,
         name="session_revoke"),
]
