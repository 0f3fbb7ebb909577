"""Adapters that let views and API endpoints name the permission they need.

Both ask `apps.accounts.access.has_permission`; neither decides anything itself.
Server-rendered views use `FirmPermissionRequiredMixin` (or `firm_permission_required`),
DRF views use `HasFirmPermission` with a `required_permission` attribute.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from rest_framework.permissions import BasePermission

from apps.accounts.access import access_denied_record, request_has_permission


def _required_permission(view) -> str:
    perm = getattr(view, "required_permission", None)
    if not perm:
        # Deny by default: a view that forgot to name a permission is a bug, not public.
        raise ImproperlyConfigured(f"{type(view).__name__} must set required_permission.")
    return perm


class HasFirmPermission(BasePermission):
    """DRF: the user holds `view.required_permission` in the request's firm."""

    message = "You do not have permission to do this in this firm."

    def has_permission(self, request, view) -> bool:
        perm = _required_permission(view)
        if not (request.user and request.user.is_authenticated):
            return False
        if request_has_permission(request, perm):
            return True
        access_denied_record(request, perm)
        return False


class ListAndCreatePermissions:
    """DRF: a list endpoint that also creates. Listing (GET) needs `read_permission`,
    creating (POST) `create_permission`; HasFirmPermission asks for the one that applies."""

    read_permission: str
    create_permission: str

    @property
    def required_permission(self) -> str:
        return self.create_permission if self.request.method == "POST" else self.read_permission


class FirmPermissionRequiredMixin:
    """Class-based views: sign-in first, then the named permission in this firm (403)."""

    required_permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        perm = _required_permission(self)
        if not request_has_permission(request, perm):
            access_denied_record(request, perm)
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def firm_permission_required(*perms: str):
    """Function views: the decorator form of FirmPermissionRequiredMixin. With several
    permissions, holding any one of them is enough (the view decides what each allows)."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(request_has_permission(request, perm) for perm in perms):
                access_denied_record(request, " or ".join(perms))
                raise PermissionDenied
            return view_func(request, *args, **kwargs)

        wrapped.required_permission = perms[0] if len(perms) == 1 else perms
        return wrapped

    return decorator
