"""Pages of a firm show dates and times in the firm's own time zone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class FirmTimeZoneMiddleware:
    """Activates the routed firm's zone for the request (Django's `date` filter, forms and
    `timezone.localdate()` follow it); the public site stays in UTC. Sits after the firm
    routing middleware, which sets `request.firm`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        firm = getattr(request, "firm", None)
        if firm is not None:
            timezone.activate(firm.zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
