"""Starting and stopping a portal preview from the staff area (apps/portal/preview.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.portal.preview import preview_start, preview_stop
from apps.portal.selectors import client_get


@require_POST
@firm_permission_required(Perm.PORTAL_PREVIEW)
def preview_start_page(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_get(client_id)
    preview_start(request=request, client=client)
    return redirect("portal:dashboard", client_id=client.pk)


@require_POST
def preview_stop_page(request: HttpRequest) -> HttpResponse:
    """Anyone signed in may stop their own preview (even after losing the right to it)."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    state = preview_stop(request=request)
    if state:
        messages.success(request, f"Preview of {state.get('name', 'the portal')} stopped.")
        return redirect("staff:client_detail", client_id=state["client"])
    return redirect("home")
