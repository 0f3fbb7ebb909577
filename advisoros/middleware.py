"""Request routing by host: the public site, a firm, or a friendly 404.

django-tenants' own middleware queries the domain table on every request; this one reads
the host->firm map from Redis (apps.firms.selectors.firm_for_host), so a warm request
spends no query on routing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils.cache import patch_cache_control
from django_tenants.middleware.main import TenantMainMiddleware

from advisoros.error_pages import mark_product_page
from apps.firms.selectors import firm_for_host


def is_public_host(hostname: str) -> bool:
    return hostname in (settings.BASE_DOMAIN, f"www.{settings.BASE_DOMAIN}", "127.0.0.1")


class FirmRoutingMiddleware(TenantMainMiddleware):
    def process_request(self, request: HttpRequest):
        connection.set_schema_to_public()
        try:
            hostname = request.get_host().split(":")[0].lower()
        except DisallowedHost:
            return HttpResponseNotFound("Unknown host.", content_type="text/plain")

        request.firm = None
        if is_public_host(hostname):
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None

        firm = firm_for_host(hostname)
        if firm is None or not firm.schema_ready:
            return mark_product_page(render(
                request,
                "errors/unknown_firm.html",
                {"hostname": hostname, "public_url": f"//{settings.BASE_DOMAIN}"},
                status=404,
            ))
        firm.domain_url = hostname
        request.tenant = firm
        request.firm = firm
        connection.set_tenant(firm)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return None


class PrivateCacheControlMiddleware:
    """Responses meant for one person are never kept by a shared cache or the browser.

    Any response to an authenticated request (a session or an API key), to a request that
    carries credentials, or that sets a cookie, gets `Cache-Control: private, no-store`
    unless its view declared a public cache policy on purpose. Central, so a new page, API
    endpoint or download cannot forget it. Sits outside the session middleware, so it sees
    the session cookie that middleware adds.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_personal(request, response) and not _declared_public(response) \
                and not _declared_revalidated(response):
            patch_cache_control(response, private=True, no_store=True)
            # A lifetime left by a view would let the browser reuse the page anyway.
            cache_control = response.get("Cache-Control", "")
            response["Cache-Control"] = ", ".join(
                part.strip() for part in cache_control.split(",")
                if not part.strip().lower().startswith(("max-age", "s-maxage", "public")))
            response.headers.pop("Expires", None)
        return response


def _is_personal(request: HttpRequest, response: HttpResponse) -> bool:
    if response.cookies or "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    # A session that is not (or no longer) signed in still shows personal messages.
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _declared_revalidated(response: HttpResponse) -> bool:
    """A view that set `private, no-cache` and an ETag asked the browser to keep the
    response but ask again before each use: the view answers 304 only after its own
    permission check, so nothing is shown to someone who lost access (document page
    images, apps/documents/views_preview.py)."""
    parts = {part.strip().lower() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-cache"} <= parts and response.has_header("ETag")


def _declared_public(response: HttpResponse) -> bool:
    return "public" in {part.strip().lower() for part in
                        response.get("Cache-Control", "").split(",")}
