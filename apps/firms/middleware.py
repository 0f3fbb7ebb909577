"""Pages of a firm show dates and times in the firm's own time zone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from advisoros.errors import API_PREFIX


class FirmTimeZoneMiddleware:
    """Activates the routed firm's zone for the firm's pages (Django's `date` filter, forms
    and `timezone.localdate()` follow it); the public site and the API stay in UTC (an
    integrator's timestamps must not change offset with a firm setting). Sits after the
    firm routing middleware, which sets `request.firm`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        firm = getattr(request, "firm", None)
        if firm is not None and not request.path.startswith(API_PREFIX):
            timezone.activate(firm.zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
