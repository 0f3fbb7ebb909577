"""Document pages: staff under /documents/, the client portal under /portal/<client>/."""

from django.urls import path

from apps.documents import views, views_portal, views_preview, views_requests

staff_patterns = ([
    path("", views.document_list, name="list"),
    path("status/", views.document_status, name="status"),
    path("clients/<int:client_id>/upload/", views.document_upload, name="upload"),
    path("upload/", views.document_upload_pick_client, name="upload_pick_client"),
    path("<int:document_id>/", views.document_detail, name="detail"),
    path("<int:document_id>/download/", views.document_download, name="download"),
    path("<int:document_id>/retry/", views.document_retry, name="retry"),
    path("<int:document_id>/review/", views.document_review, name="review"),
    path("<int:document_id>/pages/<int:page>/image/", views_preview.document_page_image,
         name="page_image"),
    path("<int:document_id>/fields/", views_preview.document_field_review,
         name="field_review"),
    path("requests/", views_requests.request_list, name="requests"),
    path("requests/clients/<int:client_id>/new/", views_requests.request_create,
         name="request_create"),
    path("requests/<int:request_id>/cancel/", views_requests.request_cancel,
         name="request_cancel"),
], "documents")

portal_patterns = ([
    path("<int:client_id>/documents/upload/", views_portal.portal_upload, name="upload"),
    path("<int:client_id>/documents/requests/", views_portal.portal_requests, name="requests"),
    path("<int:client_id>/documents/status/", views_portal.portal_status, name="status"),
    path("<int:client_id>/documents/<int:document_id>/link/",
         views_portal.portal_download_link, name="link"),
    path("<int:client_id>/documents/<int:document_id>/download/",
         views_portal.portal_download, name="download"),
], "portal_documents")
