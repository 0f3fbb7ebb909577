"""Two admin sites: the platform's (bare domain, platform staff) and each firm's (firm host,
members whose role grants admin access). Models register on the one that fits their schema.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.access import request_has_permission
from apps.accounts.roles import Perm


class PlatformAdminSite(admin.AdminSite):
    site_header = "AdvisorOS platform"
    site_title = "AdvisorOS platform"
    index_title = "Platform administration"

    def has_permission(self, request: HttpRequest) -> bool:
        return getattr(request, "firm", None) is None and request.user.is_active and \
            request.user.is_staff


class FirmAdminSite(admin.AdminSite):
    site_header = "AdvisorOS firm admin"
    site_title = "Firm admin"
    index_title = "Firm administration"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request_has_permission(request, Perm.ADMIN_SITE)

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        firm = getattr(request, "firm", None)
        if firm is not None:
            context["site_header"] = f"{firm.name}: admin"
        return context


class FirmModelAdmin(admin.ModelAdmin):
    """Model admin for firm data: access follows the firm's role matrix, not Django's
    per-model auth permissions (which live in the public schema and know no firm)."""

    view_permission: str = Perm.ADMIN_SITE
    edit_permission: str = Perm.ADMIN_SITE
    delete_permission: str | None = None

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request_has_permission(request, self.view_permission)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request_has_permission(request, self.edit_permission)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request_has_permission(request, self.edit_permission)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.delete_permission is not None and \
            request_has_permission(request, self.delete_permission)


platform_admin = PlatformAdminSite(name="platform_admin")
firm_admin = FirmAdminSite(name="firm_admin")
