from django.contrib import admin

from advisoros.admin_sites import platform_admin
from apps.firms.models import Domain, Firm


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Firm, site=platform_admin)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "commission_rate", "marketplace_enabled",
                    "schema_ready", "created_at"]
    list_filter = ["plan", "marketplace_enabled", "schema_ready"]
    search_fields = ["name", "slug"]
    readonly_fields = ["schema_name", "schema_ready", "created_at"]
    inlines = [DomainInline]

    def has_add_permission(self, request) -> bool:
        # A firm needs its schema and owner: firm_create does that, the admin form cannot.
        return False
