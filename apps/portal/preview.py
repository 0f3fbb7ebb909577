"""Staff preview the client portal as one client sees it: read-only, bannered, audited.

Starting a preview (from the client's staff page) keeps {firm, client} in the session and
audits it; stopping audits that too. While it lasts, and only on /portal/ pages of that
firm, the request is answered as a client member of that one client would be answered
(apps/accounts/access.py gives it the client member's role), and every write is refused
before any view runs (PortalPreviewMiddleware). The staff member's own role is checked on
every request: losing the permission, or the firm, ends what the session says.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.accounts.access import firm_role_get
from apps.accounts.roles import Perm, permissions_for_role
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.portal.models import Client

SESSION_KEY = "portal_preview"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_MESSAGE = ("This is a preview of the portal: nothing can be changed, sent or "
                     "uploaded from it. Stop the preview to go back to the staff area.")


def preview_start(*, request: HttpRequest, client: Client) -> None:
    request.session[SESSION_KEY] = {"firm": request.firm.pk, "client": client.pk,
                                    "name": client.business_name,
                                    "started": timezone.now().isoformat()}
    audit_record(action=AuditAction.PORTAL_PREVIEW_STARTED, request=request, target=client,
                 details={"client": client.business_name})


def preview_stop(*, request: HttpRequest) -> dict | None:
    state = request.session.pop(SESSION_KEY, None)
    if state and state.get("firm") == request.firm.pk:
        audit_record(action=AuditAction.PORTAL_PREVIEW_STOPPED, request=request,
                     target_type="portal.client", target_id=str(state["client"]),
                     details={"client": state.get("name", ""),
                              "started": state.get("started", "")})
    return state


def preview_state(request: HttpRequest) -> dict | None:
    """The session's preview, if it is for this firm and the person may still preview."""
    firm = getattr(request, "firm", None)
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if firm is None or session is None or user is None or not user.is_authenticated:
        return None
    state = session.get(SESSION_KEY)
    if not state or state.get("firm") != firm.pk:
        return None
    role = firm_role_get(user_id=user.pk, firm_id=firm.pk)
    if Perm.PORTAL_PREVIEW not in permissions_for_role(role):
        return None
    return state


def is_previewing(request: HttpRequest) -> bool:
    """This request is a staff member's preview of the portal: a page that would record
    something on a read (a message marked read) must not."""
    return bool(getattr(request, "portal_preview", None))


def preview_clients(request: HttpRequest) -> list[dict] | None:
    """The portal's client list while previewing: only the previewed client, if it is
    still live; None when not previewing."""
    state = getattr(request, "portal_preview", None)
    if not state:
        return None
    return list(Client.objects.alive().filter(pk=state["client"])
                .values("id", "business_name"))


class PortalPreviewMiddleware:
    """On /portal/ pages during a preview: refuse every write with a clear page, and mark
    the request so access and the portal answer as the previewed client's member."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/portal/") and (state := preview_state(request)):
            if request.method not in SAFE_METHODS:
                return render(request, "portal/preview_read_only.html",
                              {"message": READ_ONLY_MESSAGE, "preview": state}, status=403)
            request.portal_preview = state
        return self.get_response(request)
