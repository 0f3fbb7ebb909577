"""The product's own 404 page in development too.

In production Django renders templates/404.html, 403.html and 500.html (the last through
advisoros.errors.server_error). With DEBUG on, Django answers a missing page with its
technical 404 (the URL patterns, the settings module) instead: `make run` then looks like
a framework, not the product. This middleware puts the product's page in its place. A
technical 500 stays in development on purpose: its traceback is what a developer needs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from advisoros.errors import API_PREFIX


def mark_product_page(response: HttpResponse) -> HttpResponse:
    """A 404 the product rendered on purpose (the unknown-firm page): leave it alone."""
    response.product_page = True
    return response


class ProductNotFoundPageMiddleware:
    """With DEBUG on, a 404 HTML answer the product did not render itself (Django's
    technical page) becomes templates/404.html. Sits after authentication and messages,
    so the page has the signed-in header like any other."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (settings.DEBUG and response.status_code == 404
                and not getattr(response, "product_page", False)
                and not request.path.startswith(API_PREFIX)
                and response.get("Content-Type", "").startswith("text/html")):
            return mark_product_page(render(request, "404.html", status=404))
        return response
