"""Rendered portal sections, cached per client until something shown in them changes.

The portal's busiest pages (dashboard, tasks, invoices) show lists that change rarely
against how often they are read, and rendering them costs more than everything else in
the request: three or four queries and the row templates. A section is rendered once and
reused by every user of that client until the client's content token changes.

Sections are kept in a TokenCache (advisoros/token_cache.py), in the firm's cache
namespace, with one scope per client and kind of row (documents, tasks, invoices). A
kind's token is replaced (at once and after commit) whenever a row of that kind is saved
or deleted (signals in apps/portal/signals.py) and whenever a service notes a change of
it (the same call the dashboard figures use, which also covers the queryset updates of
the document pipeline).

What stays live on every request: who may see the client (the access check), the page
frame with the user's own header, and the dashboard figures (their own cache).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from advisoros.token_cache import TokenCache

SECTIONS = TokenCache("portal:content", alias="default", entry_seconds=30 * 60)

# What a section can show of a client; each kind has its own token per client, so an
# upload (documents) leaves the invoices and tasks pages cached.
DOCUMENTS, TASKS, INVOICES = "documents", "tasks", "invoices"
KINDS = (DOCUMENTS, TASKS, INVOICES)


def client_content_tags(client_id: int, kinds: Iterable[str] = KINDS) -> list[str]:
    """The tags of the client's rows of `kinds`: for other caches of what they show (the
    dashboard figures carry all of them)."""
    return [SECTIONS.scope_tag(f"{client_id}:{kind}") for kind in kinds]


def client_content_changed(client_id: int, kinds: Iterable[str] = KINDS) -> None:
    """Call inside the writing transaction: the client's sections showing `kinds` go
    stale now and at commit."""
    # One pipelined bump for every kind (now and at commit), not a round trip per kind.
    SECTIONS.invalidate_scopes(*(f"{client_id}:{kind}" for kind in kinds))


def cached_section(client_id: int, name: str, vary: Iterable[object],
                   render: Callable[[], str], kinds: Iterable[str] = KINDS) -> SafeString:
    """The section's HTML: from the cache while the client's tokens of `kinds` are
    unchanged, else rendered by `render` and stored. Vary on whatever else changes the
    HTML (the page number, a permission); the current date and time zone are always
    added, because rendered dates and "overdue" states depend on them."""
    vary = (*vary, timezone.localdate().isoformat(), timezone.get_current_timezone_name())
    first, *others = [f"{client_id}:{kind}" for kind in kinds]
    html = SECTIONS.get(first, name, lambda: str(render()), vary=vary, also=others)
    return mark_safe(html)  # noqa: S308 - rendered by our own templates
