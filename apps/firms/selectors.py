"""Reads of firms, shaped for request routing and background fan-out."""

from __future__ import annotations

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


def firm_for_host(hostname: str) -> Firm | None:
    """The firm that `hostname` routes to, or None. Warm calls run no query.

    Invalidated by apps.firms.signals whenever a firm or one of its domains changes.
    """
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
