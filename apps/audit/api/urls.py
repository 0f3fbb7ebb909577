from django.urls import path

from apps.audit.api.views import AuditEventList

urlpatterns = [path("audit-events/", AuditEventList.as_view(), name="api-audit-events")]
