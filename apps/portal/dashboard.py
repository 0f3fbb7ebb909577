"""Dashboard reads through a stale-while-revalidate cache.

An entry is fresh for 2 minutes and served as is; from 2 to 5 minutes old it is still
served at once while a Celery task recomputes it; older or missing, it is computed in the
request. The ages follow the materialized view's refresh period.

Entries are kept in the project's tagged cache (advisoros/cache_tags.py) under the tags
of every kind of the client's rows (apps/portal/content_cache.py): a client's own change
(an upload, a payment, a task, the client row itself, archived or deleted) bumps one of
them inside its transaction and again at commit, so a cached entry never outlives it, and
a current entry proves the client was alive when it was computed (the API serves it
without a query). The change also leaves a change marker with its time: while the
view's snapshot predates the marker that client's figures are aggregated live, so the
change shows on the next page load instead of after the next refresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from advisoros.cache_tags import MISSING, TaggedCache
from apps.portal.content_cache import KINDS, client_content_changed, client_content_tags
from apps.portal.metrics import (
    client_metrics_from_view,
    client_metrics_if_alive,
    client_metrics_live,
    client_metrics_live_one,
    stored_documents_window,
)
from apps.portal.refresh import SNAPSHOT_KEY, dashboard_snapshot_at

FRESH_SECONDS = 120
STALE_SECONDS = 300
_CHANGE_MARKER_SECONDS = 60 * 60  # far longer than the 5-minute refresh period
_FILL_LOCK_SECONDS = 60


@dataclass(frozen=True)
class DashboardFigures:
    figures: dict
    # When the figures were true: the view's snapshot, or the moment of a live aggregation.
    as_of: datetime | None
    source: str  # "view" or "live"
    # Epoch seconds when the computation started: a change committed while it ran makes
    # its marker newer than this, so the entry is not trusted over that change.
    cached_at: float


DASHBOARDS = TaggedCache("portal:dashboard:v2", alias="default", entry_seconds=STALE_SECONDS)


def client_cache_key(client_id: int) -> str:
    """The entry's key in the firm's cache (what `cache.get` reads)."""
    return DASHBOARDS.entry_key(str(client_id))


def client_change_key(client_id: int) -> str:
    return f"portal:dashboard:changed:v1:{client_id}"


def dashboard_note_client_change(client_id: int, kinds: Iterable[str] = KINDS) -> None:
    """Services call this inside their transaction; the marker is set after commit. The
    portal's cached sections of this client showing `kinds` go stale too (queryset
    updates of the document pipeline send no signals, so this call is their
    invalidation)."""
    client_content_changed(client_id, kinds)

    def mark() -> None:
        cache.set(client_change_key(client_id), time.time(), _CHANGE_MARKER_SECONDS)

    transaction.on_commit(mark)


def client_dashboard_compute(client_id: int, changed_at: float | None = None
                             ) -> DashboardFigures:
    started = time.time()
    snapshot = dashboard_snapshot_at()
    row = None if _view_predates(snapshot, changed_at) else client_metrics_from_view(client_id)
    return _figures(client_id, row, snapshot, started)


def _view_predates(snapshot: datetime | None, changed_at: float | None) -> bool:
    """Whether the client's own change (its marker, epoch seconds) is newer than the
    view's snapshot, so the view's row must not be trusted over it."""
    return changed_at is not None and (snapshot is None or snapshot.timestamp() < changed_at)


def _figures(client_id: int, row: dict | None, snapshot: datetime | None, started: float
             ) -> DashboardFigures:
    """The view's row when it is to be trusted (given), else the figures computed now."""
    if row is not None:
        return DashboardFigures(row, snapshot, "view", started)
    # The view has no row for a new client, or predates this client's own change: the
    # same figures, computed now in one statement.
    now = timezone.now()
    figures = client_metrics_live_one(client_id)
    if figures is None:  # no such client (deleted meanwhile): the figures of nothing
        figures = client_metrics_live([client_id],
                                      documents_since=stored_documents_window())[client_id]
    return DashboardFigures(figures, now, "live", started)


def client_dashboard_fill(client_id: int) -> DashboardFigures | None:
    """Recompute and store one client's entry (the background half of the cache); None
    for a client archived or deleted since the refill was asked for (nothing stored, so
    no entry can vouch for it)."""
    from apps.portal.models import Client

    _, versions = DASHBOARDS.lookup(str(client_id), tags=client_content_tags(client_id))
    if not Client.objects.alive().filter(pk=client_id).exists():
        return None
    entry = client_dashboard_compute(client_id, cache.get(client_change_key(client_id)))
    DASHBOARDS.store(str(client_id), entry, versions=versions)
    return entry


def client_dashboard_cached(client_id: int) -> DashboardFigures | None:
    """The client's figures if a current entry is cached (refilled in the background when
    stale), else None: one Redis round trip, no query. A current entry was computed
    while the client was alive, and archiving or deleting the client stales it."""
    entry, _ = _current(client_id)
    return entry


def client_dashboard_get(client_id: int) -> DashboardFigures:
    """One client's dashboard figures: one Redis round trip when the cache is fresh."""
    entry, versions = _current(client_id)
    if entry is not None:
        return entry
    entry = client_dashboard_compute(client_id, cache.get(client_change_key(client_id)))
    DASHBOARDS.store(str(client_id), entry, versions=versions)
    return entry


def client_dashboard_read(client_id: int, *, missing: Callable[[], Exception]
                          ) -> DashboardFigures:
    """`client_dashboard_get` for a caller that must refuse a client that does not exist
    (the API): a current entry vouches that the client is alive (archiving or deleting it
    stales the entry), so a warm read runs no query. A miss raises `missing()` for a
    client that does not exist or is deleted, else computes and stores the figures with
    one more Redis round trip (the view's snapshot time and the client's change marker)
    and one statement (the client's existence and its view row together)."""
    entry, versions = _current(client_id)
    if entry is not None:
        return entry
    started = time.time()
    change_key = client_change_key(client_id)
    markers = cache.get_many([SNAPSHOT_KEY, change_key])
    snapshot = markers[SNAPSHOT_KEY] if SNAPSHOT_KEY in markers else dashboard_snapshot_at()
    changed_at = markers.get(change_key)
    alive, row = client_metrics_if_alive(client_id)
    if not alive:
        raise missing()
    if _view_predates(snapshot, changed_at):
        row = None  # aggregated live instead
    entry = _figures(client_id, row, snapshot, started)
    DASHBOARDS.store(str(client_id), entry, versions=versions)
    return entry


def _current(client_id: int) -> tuple[DashboardFigures | None, tuple[int, ...] | None]:
    found, versions = DASHBOARDS.lookup(str(client_id), tags=client_content_tags(client_id))
    if found is not MISSING:
        age = time.time() - found.cached_at
        if age < FRESH_SECONDS:
            return found, versions
        if age < STALE_SECONDS:
            _revalidate_in_background(client_id)
            return found, versions
    return None, versions


def _revalidate_in_background(client_id: int) -> None:
    # One refill per client at a time: add() succeeds for the first caller only.
    if not cache.add(f"{client_cache_key(client_id)}:filling", 1, _FILL_LOCK_SECONDS):
        return
    from advisoros.tasks import delay_or_log
    from apps.portal.tasks import dashboard_cache_fill

    # Broker down: the stale figures are served and the next read after the lock tries again.
    delay_or_log(dashboard_cache_fill, client_id=client_id)
