"""Request routing by host: the public site, a firm, or a friendly 404.

django-tenants' own middleware queries the domain table on every request; this one reads
the host->firm map from Redis (apps.firms.selectors.firm_for_host), so a warm request
spends no query on routing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponseNotFound
from django.shortcuts import render
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

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
            return render(
                request,
                "errors/unknown_firm.html",
                {"hostname": hostname, "public_url": f"//{settings.BASE_DOMAIN}"},
                status=404,
            )
        firm.domain_url = hostname
        request.tenant = firm
        request.firm = firm
        connection.set_tenant(firm)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return None
