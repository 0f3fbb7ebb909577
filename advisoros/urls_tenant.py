"""URLs of a firm's host (<slug>.<BASE_DOMAIN>): staff area, client portal, firm API.

Every route here is firm data: tests/isolation enumerates this URLconf and proves that
no route answers another firm's users.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from advisoros.admin_sites import firm_admin
from advisoros.health import health
from apps.ask.urls import staff_patterns as ask_patterns
from apps.billing.urls import portal_patterns as portal_billing_patterns
from apps.billing.urls import staff_patterns as billing_staff_patterns
from apps.clienthealth.urls import staff_patterns as client_health_patterns
from apps.compliance.urls import staff_patterns as compliance_patterns
from apps.documents.urls import portal_patterns as portal_document_patterns
from apps.documents.urls import staff_patterns as document_patterns
from apps.insight.urls import portal_patterns as portal_insight_patterns
from apps.insight.urls import staff_patterns as insight_patterns
from apps.marketplace.api.urls import firm_patterns as firm_marketplace_api
from apps.marketplace.urls import firm_patterns as firm_marketplace_pages
from apps.people.urls import invitation_patterns, notification_patterns
from apps.people.urls import portal_patterns as portal_people_patterns
from apps.people.urls import staff_patterns as people_patterns
from apps.portal.urls import portal_patterns, staff_patterns
from apps.portal.views import firm_home
from apps.work.urls import staff_patterns as work_patterns

urlpatterns = [
    path("", firm_home, name="home"),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/", include("apps.security.urls")),
    path("security/", include("apps.security.urls_firm")),
    path("admin/", firm_admin.urls),
    path("health/", health, name="health"),
    path("staff/billing/", include(billing_staff_patterns)),
    path("staff/", include(staff_patterns)),
    path("portal/", include(portal_patterns)),
    path("documents/", include(document_patterns)),
    path("portal/", include(portal_document_patterns)),
    path("portal/", include(portal_billing_patterns)),
    path("marketplace/", include(firm_marketplace_pages)),
    path("api/v1/marketplace/", include(firm_marketplace_api)),
    path("api/v1/", include("apps.portal.api.urls")),
    path("api/v1/", include("apps.audit.api.urls")),
    path("api/v1/", include("apps.documents.api.urls")),
    path("api/v1/billing/", include("apps.billing.api.urls")),
    # The firm API's OpenAPI schema: the same for every firm, no firm data (docs/api.md).
    path("api/schema/", SpectacularAPIView.as_view(urlconf="advisoros.urls_tenant"),
         name="api-schema"),
    path("", include("apps.integrations.urls")),
    path("work/", include(work_patterns)),
    path("people/", include(people_patterns)),
    path("portal/", include(portal_people_patterns)),
    path("invitations/", include(invitation_patterns)),
    path("notifications/", include(notification_patterns)),
    path("api/v1/work/", include("apps.work.api.urls")),
    path("insight/", include(insight_patterns)),
    path("portal/", include(portal_insight_patterns)),
    path("search/", include("apps.search.urls")),
    path("client-health/", include(client_health_patterns)),
    path("compliance/", include(compliance_patterns)),
    path("ask/", include(ask_patterns)),
    path("api/v1/", include("apps.ask.api.urls")),
]

# Generic error page with a request id, never a traceback.
handler500 = "advisoros.errors.server_error"
