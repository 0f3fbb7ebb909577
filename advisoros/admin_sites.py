"""Two admin sites: the platform's (bare domain, platform staff) and each firm's (firm host,
members whose role grants admin access). Models register on the one that fits their schema.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.access import request_has_permission
from apps.accounts.roles import Perm


class ProductSignInMixin:
    """The admin has no sign-in of its own: Django's admin login form checks only the
    password and `is_staff`, skipping the membership check, risk scoring and MFA of the
    product's sign-in. Its login page sends people there instead, and never signs anyone
    in itself (a POST of credentials to it is not even read)."""

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        index = reverse("admin:index", current_app=self.name)
        target = request.GET.get(REDIRECT_FIELD_NAME) or index
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            target = index
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(target)
            # Signed in, but not allowed here: sending them to sign in again would loop.
            raise PermissionDenied
        return HttpResponseRedirect(
            f"{settings.LOGIN_URL_PATH}?{urlencode({REDIRECT_FIELD_NAME: target})}")


class PlatformAdminSite(ProductSignInMixin, admin.AdminSite):
    site_header = "AdvisorOS platform"
    site_title = "AdvisorOS platform"
    index_title = "Platform administration"

    def has_permission(self, request: HttpRequest) -> bool:
        from apps.security.mfa import mfa_is_verified

        # MFA is also enforced by MfaRequiredMiddleware; checked here too, so the
        # platform's data never depends on one middleware's list of exempt paths.
        return getattr(request, "firm", None) is None and request.user.is_active and \
            request.user.is_staff and mfa_is_verified(request)


class FirmAdminSite(ProductSignInMixin, admin.AdminSite):
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

    # Which of the firm's people a user field may name: {field name: roles}; fields not
    # listed accept any active member of the firm.
    user_field_roles: dict[str, frozenset[str]] = {}

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        """User fields point into the public schema, where every firm's people live: offer
        only this firm's members (a select, never a raw id, whose label would name any
        user of the platform)."""
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        if db_field.related_model is user_model:
            members = user_model.objects.filter(
                memberships__firm=getattr(request, "firm", None), memberships__is_active=True)
            roles = self.user_field_roles.get(db_field.name)
            if roles is not None:
                members = members.filter(memberships__role__in=roles)
            kwargs["queryset"] = members.order_by("full_name", "email").distinct()
            kwargs.pop("widget", None)
            return db_field.formfield(**kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


platform_admin = PlatformAdminSite(name="platform_admin")
firm_admin = FirmAdminSite(name="firm_admin")
