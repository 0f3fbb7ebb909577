"""The firm's front page: staff land on the firm dashboard, client users in the portal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from apps.accounts.access import request_has_permission
from apps.accounts.roles import Perm
from apps.portal.views_staff import firm_dashboard_page


@login_required
def firm_home(request: HttpRequest) -> HttpResponse:
    if request_has_permission(request, Perm.STAFF_AREA):
        return firm_dashboard_page(request)
    if request_has_permission(request, Perm.PORTAL_ACCESS):
        return redirect("portal:home")
    raise PermissionDenied
