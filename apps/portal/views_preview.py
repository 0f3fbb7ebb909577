"""Starting and stopping a portal preview from the staff area (apps/portal/preview.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.portal.preview import SESSION_KEY, preview_start, preview_stop
from apps.portal.selectors import client_get


@require_POST
@firm_permission_required(Perm.PORTAL_PREVIEW)
def preview_start_page(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_get(client_id)
    preview_start(request=request, client=client)
    return redirect("portal:dashboard", client_id=client.pk)


@require_POST
def preview_stop_page(request: HttpRequest) -> HttpResponse:
    """Whoever holds a preview of this firm may stop it (even after losing the right to
    start one); anyone else is refused like on any other staff page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    state = request.session.get(SESSION_KEY)
    if not state or state.get("firm") != request.firm.pk:
        raise PermissionDenied
    preview_stop(request=request)
    messages.success(request, f"Preview of {state.get('name', 'the portal')} stopped.")
    return redirect("staff:client_detail", client_id=state["client"])
