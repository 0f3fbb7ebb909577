"""Firm-host pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.access import request_role
from apps.accounts.roles import Perm, permissions_for_role


@login_required
def firm_home(request: HttpRequest) -> HttpResponse:
    """The first page at a firm's address: who you are here and what your role allows."""
    role = request_role(request)
    if role is None:
        raise PermissionDenied
    granted = permissions_for_role(role)
    return render(request, "portal/firm_home.html", {
        "permissions": [(perm.value, perm.label) for perm in Perm if perm in granted],
    })
