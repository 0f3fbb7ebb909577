"""Reads of firms, shaped for request routing and background fan-out."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import caches
from django.db.models import QuerySet

from apps.firms.models import Domain, Firm

# Stored in the cache for a host that matches no firm, so probing unknown hosts costs
# one Redis read, not one database query each.
_NO_FIRM = "no-firm"
_UNKNOWN_HOST_SECONDS = 30


def firm_host_cache_key(hostname: str) -> str:
    return f"firm-host:v1:{hostname}"


# Each web process also keeps the firms it routed to for a few seconds: routing is the
# one lookup every firm request makes, and a Redis round trip plus unpickling the firm is
# a tenth of a warm portal page. A change reaches the process that made it at once (the
# signal clears it) and every other process within FIRM_HOST_LOCAL_SECONDS.
_local_firms: dict[str, tuple[float, Firm]] = {}
_LOCAL_FIRMS_MAX = 10_000


def firm_host_local_forget(hostnames: list[str] | None = None) -> None:
    """Forget this process's copies (of `hostnames`, or all)."""
    if hostnames is None:
        _local_firms.clear()
    for hostname in hostnames or ():
        _local_firms.pop(hostname, None)


def firm_for_host(hostname: str) -> Firm | None:
    """The firm that `hostname` routes to, or None: a fresh copy each call (requests may
    change theirs). Warm calls run no query and, within a few seconds of the last one in
    this process, no Redis read either.

    Invalidated by apps.firms.signals whenever a firm or one of its domains changes.
    """
    local = _local_firms.get(hostname)
    if local is not None and local[0] > time.monotonic():
        return copy.copy(local[1])
    firm = _firm_for_host_shared(hostname)
    # Only real firms: unknown hosts are anyone's to invent, and must not grow the dict.
    if firm is not None and settings.FIRM_HOST_LOCAL_SECONDS > 0:
        if len(_local_firms) >= _LOCAL_FIRMS_MAX:
            _local_firms.clear()
        _local_firms[hostname] = (time.monotonic() + settings.FIRM_HOST_LOCAL_SECONDS, firm)
    return copy.copy(firm)


def _firm_for_host_shared(hostname: str) -> Firm | None:
    """From the Redis host map (every process), or the database on a miss."""
    cache = caches["public"]
    key = firm_host_cache_key(hostname)
    cached = cache.get(key)
    if cached == _NO_FIRM:
        return None
    if cached is not None:
        return cached
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    if domain is None:
        cache.set(key, _NO_FIRM, _UNKNOWN_HOST_SECONDS)
        return None
    cache.set(key, domain.tenant, settings.FIRM_HOST_CACHE_SECONDS)
    return domain.tenant


def firm_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def firms_ready() -> QuerySet[Firm]:
    """Firms whose schema exists and is migrated: the ones background work may touch."""
    return Firm.objects.filter(schema_ready=True).exclude(schema_name="public")


def firm_schema_names_ready() -> Iterator[str]:
    yield from firms_ready().order_by("pk").values_list("schema_name", flat=True)
