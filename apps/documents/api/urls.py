"""Documents API routes, mounted at /api/v1/."""

from django.urls import path

from apps.documents.api import views

app_name = "documents_api"

urlpatterns = [
    path("documents/", views.DocumentListAPI.as_view(), name="document_list"),
    path("documents/<int:pk>/", views.DocumentDetailAPI.as_view(), name="document_detail"),
    path("documents/<int:pk>/retry/", views.DocumentRetryAPI.as_view(),
         name="document_retry"),
]
