"""`/metrics` (Prometheus) and the platform-staff performance dashboard. Thin: the numbers
come from selectors.py; these decide who may see them."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.observability.forms import WindowForm
from apps.observability.prometheus import render as render_prometheus
from apps.observability.selectors import dashboard_data, metrics_snapshot

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def is_platform_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return (getattr(request, "firm", None) is None and user is not None
            and user.is_authenticated and user.is_active and user.is_staff)


def _bearer_ok(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not expected or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer "):].strip().encode(), expected.encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Scraped by Prometheus with `Authorization: Bearer $METRICS_TOKEN`; platform staff
    signed in to the site may read it too."""
    if not (_bearer_ok(request) or is_platform_staff(request)):
        response = HttpResponse("Credentials required: a bearer token (METRICS_TOKEN) or a "
                                "platform staff session.\n", status=401,
                                content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render_prometheus(**metrics_snapshot()),
                        content_type=PROMETHEUS_CONTENT_TYPE)


def _staff_only(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_platform_staff(request):
        return render(request, "403.html", status=403)
    return None


@never_cache
@require_GET
def performance_dashboard(request: HttpRequest) -> HttpResponse:
    denied = _staff_only(request)
    if denied is not None:
        return denied
    form = WindowForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "observability/dashboard.html", {"form": form, "data": None},
                      status=400)
    minutes = form.cleaned_data["minutes"] if form.is_bound else 60
    return render(request, "observability/dashboard.html",
                  {"form": form if form.is_bound else WindowForm(initial={"minutes": minutes}),
                   "data": dashboard_data(minutes=minutes)})


@never_cache
@require_GET
def performance_data(request: HttpRequest) -> HttpResponse:
    if not is_platform_staff(request):
        return JsonResponse({"detail": "Platform staff only."},
                            status=403 if request.user.is_authenticated else 401)
    form = WindowForm(request.GET)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    return JsonResponse(dashboard_data(minutes=form.cleaned_data["minutes"]))
