"""Staff pages (/staff/...) and client portal pages (/portal/...) of a firm's host."""

from django.urls import path

from apps.portal import views_identifiers, views_portal, views_preview, views_staff

staff_patterns = ([
    path("clients/", views_staff.client_list, name="client_list"),
    path("clients/new/", views_staff.client_create, name="client_create"),
    path("clients/<int:client_id>/", views_staff.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", views_staff.client_edit, name="client_edit"),
    path("clients/<int:client_id>/preview/", views_preview.preview_start_page,
         name="portal_preview_start"),
    path("preview/stop/", views_preview.preview_stop_page, name="portal_preview_stop"),
    path("clients/<int:client_id>/identifiers/", views_identifiers.client_identifiers_edit,
         name="client_identifiers"),
    path("clients/<int:client_id>/reveal/<str:field>/",
         views_identifiers.client_identifier_reveal_view, name="client_identifier_reveal"),
    path("clients/<int:client_id>/engagements/new/", views_staff.engagement_create,
         name="engagement_create"),
    path("engagements/<int:engagement_id>/edit/", views_staff.engagement_edit,
         name="engagement_edit"),
    path("clients/<int:client_id>/tasks/new/", views_staff.task_create, name="task_create"),
    path("tasks/<int:task_id>/edit/", views_staff.task_edit, name="task_edit"),
], "staff")

portal_patterns = ([
    path("", views_portal.portal_home, name="home"),
    path("<int:client_id>/", views_portal.portal_dashboard, name="dashboard"),
    path("<int:client_id>/documents/", views_portal.portal_documents, name="documents"),
    path("<int:client_id>/tasks/", views_portal.portal_tasks, name="tasks"),
    path("<int:client_id>/invoices/", views_portal.portal_invoices, name="invoices"),
], "portal")
