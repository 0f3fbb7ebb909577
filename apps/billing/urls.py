"""Billing pages on a firm's host: `staff_patterns` under /staff/billing/, `portal_patterns`
under /portal/ (next to the portal's own pages)."""

from django.urls import path

from apps.billing import (
    views_catalogue,
    views_editor,
    views_portal,
    views_reports,
    views_staff,
)

staff_patterns = ([
    path("invoices/", views_staff.invoice_list, name="invoice_list"),
    path("invoices/new/", views_editor.invoice_new_pick, name="invoice_new"),
    path("clients/<int:client_id>/invoices/new/", views_editor.invoice_create_page,
         name="invoice_create"),
    path("invoices/<int:invoice_id>/edit/", views_editor.invoice_edit_page,
         name="invoice_edit"),
    path("services/", views_catalogue.service_list, name="service_list"),
    path("services/<int:service_id>/", views_catalogue.service_edit, name="service_edit"),
    path("invoices/<int:invoice_id>/", views_staff.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/send/", views_staff.invoice_send_page, name="invoice_send"),
    path("invoices/<int:invoice_id>/void/", views_staff.invoice_void_page, name="invoice_void"),
    path("invoices/<int:invoice_id>/payments/", views_staff.payment_create_page,
         name="payment_create"),
    path("invoices/<int:invoice_id>/payments/<int:payment_id>/refund/",
         views_staff.refund_create_page, name="refund_create"),
    path("invoices/<int:invoice_id>/pdf/", views_staff.invoice_pdf_page, name="invoice_pdf"),
    path("recurring/", views_staff.recurring_list, name="recurring_list"),
    path("clients/<int:client_id>/recurring/new/", views_staff.recurring_create_page,
         name="recurring_create"),
    path("reports/", views_reports.reports_page, name="reports"),
    path("reports/<slug:report>.csv", views_reports.report_csv, name="report_csv"),
], "billing")

portal_patterns = ([
    path("<int:client_id>/invoices/<int:invoice_id>/", views_portal.portal_invoice,
         name="invoice"),
    path("<int:client_id>/invoices/<int:invoice_id>/pdf/", views_portal.portal_invoice_pdf,
         name="invoice_pdf"),
], "portal_billing")
