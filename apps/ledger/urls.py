"""Ledger pages on the public site (mounted at /billing/)."""

from django.urls import path

from apps.ledger import views

app_name = "ledger"

urlpatterns = [
    path("payouts/", views.advisor_payouts_page, name="payouts"),
    path("ledger/", views.platform_ledger_page, name="platform_ledger"),
    path("ledger/mark-paid/", views.mark_paid_page, name="mark_paid"),
]
