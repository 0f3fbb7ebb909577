"""Outgoing webhook URLs must not reach inside our network (SSRF): a URL whose host
resolves to a private, loopback, link-local, multicast or reserved address is refused, at
registration and again at each delivery (DNS can change between the two). Hosts in
WEBHOOK_ALLOWED_HOSTS are let through: tests and local development deliver to 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeUrl(ValueError):
    pass


def webhook_url_check(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise UnsafeUrl("Use an https:// address.")
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        raise UnsafeUrl("Use an https:// address; plain http is refused in production.")
    host = parts.hostname or ""
    if not host:
        raise UnsafeUrl("The address has no host name.")
    if parts.username or parts.password:
        raise UnsafeUrl("Leave user names and passwords out of the address.")
    if host in settings.WEBHOOK_ALLOWED_HOSTS:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(f"The host name {host} does not resolve.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if (address.is_private or address.is_loopback or address.is_link_local
                or address.is_multicast or address.is_reserved or address.is_unspecified):
            raise UnsafeUrl(f"{host} resolves to an internal address ({address}); "
                            "webhooks only go to public addresses.")
