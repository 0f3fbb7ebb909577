"""URLs of the bare domain: the public site, platform admin, cross-firm API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from advisoros.admin_sites import platform_admin
from advisoros.health import health
from apps.firms.views import public_home
from apps.marketplace.api.urls import public_patterns as marketplace_api
from apps.marketplace.urls import public_patterns as marketplace_pages
from apps.observability import views as observability_views

urlpatterns = [
    path("", public_home, name="home"),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/", include("apps.security.urls")),
    path("admin/", platform_admin.urls),
    path("health/", health, name="health"),
    path("metrics", observability_views.metrics, name="metrics"),
    path("ops/", include("apps.observability.urls")),
    # The public API's OpenAPI schema (marketplace search, detail, match); each firm host
    # serves the firm API's at the same path (docs/api.md).
    path("api/schema/", SpectacularAPIView.as_view(urlconf="advisoros.urls_public"),
         name="api-schema"),
    path("marketplace/", include(marketplace_pages)),
    path("api/v1/marketplace/", include(marketplace_api)),
    path("billing/", include("apps.ledger.urls")),  # advisors' payouts, platform ledger
    path("", include("apps.integrations.urls_public")),
]

# Generic error page with a request id, never a traceback.
handler500 = "advisoros.errors.server_error"
