"""Client health pages for staff with CLIENT_HEALTH_VIEW (never clients): the firm's
clients riskiest first, and one client's score with its reasons and trend."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.clienthealth import selectors
from apps.portal.models import Client


@firm_permission_required(Perm.CLIENT_HEALTH_VIEW)
def health_list(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    level = level if level in selectors.LEVEL_RANGES else ""
    page = selectors.health_list_page(cursor=request.GET.get("after", ""), level=level)
    counts = selectors.health_level_counts()
    levels = [("", "All", sum(counts.values()))] + [
        (key, label, counts[key]) for key, label in (
            ("at_risk", "At risk"), ("watch", "Needs attention"), ("healthy", "Healthy"))]
    return render(request, "clienthealth/list.html",
                  {"page": page, "level": level, "levels": levels})


@firm_permission_required(Perm.CLIENT_HEALTH_VIEW)
def client_health(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.alive(), pk=client_id)
    history = selectors.client_health_history(client_id=client.pk)
    return render(request, "clienthealth/client.html", {
        "client": client, "health": selectors.client_health_get(client_id=client.pk),
        "chart": {"labels": [day.isoformat() for day, _ in history],
                  "scores": [score for _, score in history]}})
