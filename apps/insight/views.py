"""Forecast pages: a client's (staff), the firm's (staff) and a client's in the portal.
Thin: stored forecasts come from selectors, refreshes go through services (queued)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.insight import selectors, services
from apps.insight.presenters import forecast_cards
from apps.portal.models import Client
from apps.portal.views_portal import _context, portal_page


def _horizon(request: HttpRequest) -> int | None:
    try:
        horizon = int(request.POST.get("horizon", "6"))
    except ValueError:
        return None
    return horizon if services.MIN_HORIZON <= horizon <= services.MAX_HORIZON else None


@firm_permission_required(Perm.INVOICES_VIEW)
def client_forecast(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.alive(), pk=client_id)
    return render(request, "insight/client_forecast.html", {
        "client": client, "cards": forecast_cards(selectors.forecasts_for_client(
            client_id=client.pk)),
        "run": selectors.run_latest(client_id=client.pk),
        "can_refresh": request_has_permission(request, Perm.REPORTS_VIEW)})


@firm_permission_required(Perm.REPORTS_VIEW)
def firm_forecast(request: HttpRequest) -> HttpResponse:
    return render(request, "insight/firm_forecast.html", {
        "cards": forecast_cards(selectors.forecasts_for_firm()),
        "run": selectors.run_latest(), "low_confidence": selectors.low_confidence_count(),
        "horizons": range(services.MIN_HORIZON, services.MAX_HORIZON + 1),
        "can_see_bi": request_has_permission(request, Perm.INSIGHT_BI_VIEW)})


@require_POST
@firm_permission_required(Perm.REPORTS_VIEW)
def forecast_refresh(request: HttpRequest) -> HttpResponse:
    horizon = _horizon(request)
    if horizon is None:
        messages.error(request, "Choose a horizon of 3 to 12 months.")
        return redirect("insight:firm_forecast")
    services.forecast_run_start(horizon=horizon)
    messages.success(request, "Forecasts are being refreshed; progress shows below.")
    return redirect("insight:firm_forecast")


@require_POST
@firm_permission_required(Perm.REPORTS_VIEW)
def client_forecast_refresh(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.alive(), pk=client_id)
    services.forecast_run_start(client_id=client.pk)
    messages.success(request, "This client's forecasts are being refreshed.")
    return redirect("insight:client_forecast", client_id=client.pk)


@portal_page(model=False)
def portal_forecast(request: HttpRequest, client) -> HttpResponse:
    cards = forecast_cards(selectors.forecasts_for_client(client_id=client.pk))
    return render(request, "insight/portal_forecast.html",
                  _context(request, client, "forecast", cards=cards))
