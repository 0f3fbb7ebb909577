"""Billing API routes, mounted at /api/<version>/billing/."""

from django.urls import path

from apps.billing.api import views

app_name = "billing_api"

urlpatterns = [
    path("invoices/", views.InvoiceListAPI.as_view(), name="invoice_list"),
    path("invoices/<int:pk>/", views.InvoiceDetailAPI.as_view(), name="invoice_detail"),
    path("invoices/<int:pk>/send/", views.InvoiceSendAPI.as_view(), name="invoice_send"),
    path("invoices/<int:pk>/void/", views.InvoiceVoidAPI.as_view(), name="invoice_void"),
    path("payments/", views.PaymentListAPI.as_view(), name="payment_list"),
    path("revenue-shares/", views.RevenueShareListAPI.as_view(), name="revenue_share_list"),
]
