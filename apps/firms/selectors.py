"""Reads of firms, shaped for request routing and background fan-out."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from django.conf import settings
from django.db.models import QuerySet

from advisoros.cache_tags import TaggedCache
from apps.firms.models import Domain, Firm

# Host -> firm, in the project's tagged cache (advisoros/cache_tags.py): each entry
# carries the tag of its host, bumped (in the writing transaction and again at commit)
# by apps.firms.signals whenever the firm or one of its domains changes. Each web process
# also keeps the firms it routed to: routing is the one lookup every firm request makes,
# and unpickling the firm is a tenth of a warm portal page. A local copy is used only
# after the host's tag version is read from Redis and matches, so a change reaches every
# process on its next request.
FIRM_HOSTS = TaggedCache("firm-host:v3", alias="public", entry_seconds=60 * 60,
                         local_entries=10_000)

# Kept for a host that matches no firm, so probing unknown hosts costs one Redis read,
# not one database query each.
_NO_FIRM = "no-firm"
_UNKNOWN_HOST_SECONDS = 30


def firm_host_tag(hostname: str) -> str:
    return f"firm-host:{hostname}"


def firm_hosts_changed(hostnames: list[str]) -> None:
    """Inside the writing transaction: these hosts are routed from the database again."""
    FIRM_HOSTS.invalidate(*(firm_host_tag(name) for name in hostnames))


def firm_host_local_forget() -> None:
    """Forget this process's copies (tests start from nothing)."""
    FIRM_HOSTS._local.clear()


def firm_for_host(hostname: str) -> Firm | None:
    """The firm that `hostname` routes to, or None: a fresh copy each call (requests may
    change theirs). Warm calls run no query and read one tag version from Redis."""
    found = FIRM_HOSTS.get(hostname, lambda: _firm_for_host_from_database(hostname),
                           tags=[firm_host_tag(hostname)],
                           timeout=settings.FIRM_HOST_CACHE_SECONDS,
                           # Unknown hosts are anyone's to invent: briefly in Redis only.
                           keep_local=lambda found: found != _NO_FIRM,
                           timeout_for=lambda found: _UNKNOWN_HOST_SECONDS
                           if found == _NO_FIRM else None)
    if found == _NO_FIRM:
        return None
    return copy.copy(found)


def _firm_for_host_from_database(hostname: str) -> Firm | str:
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    return _NO_FIRM if domain is None else domain.tenant


def firm_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def firms_ready() -> QuerySet[Firm]:
    """Firms whose schema exists and is migrated: the ones background work may touch."""
    return Firm.objects.filter(schema_ready=True).exclude(schema_name="public")


def firm_schema_names_ready() -> Iterator[str]:
    yield from firms_ready().order_by("pk").values_list("schema_name", flat=True)
