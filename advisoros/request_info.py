"""Who and where a request comes from, read the same way everywhere (audit, risk, limits)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. X-Forwarded-For is trusted only behind a configured number of
    proxies (TRUSTED_PROXY_COUNT), taking the address the outermost of ours saw."""
    if request is None:
        return None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    candidate = request.META.get("REMOTE_ADDR", "")
    if proxies:
        forwarded = [part.strip() for part in
                     request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def network_of(ip: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) network: 'the same network' for sign-in risk."""
    if not ip:
        return ""
    address = ipaddress.ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:300].replace("\x00", "")


def request_id(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(getattr(request, "request_id", "") or "")[:64]


def axes_client_ip(request: HttpRequest) -> str:
    """django-axes resolves addresses the same way as the rest of the product."""
    return client_ip(request) or ""
