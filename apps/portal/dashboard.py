"""Dashboard reads through a stale-while-revalidate cache.

An entry is fresh for 2 minutes and served as is; from 2 to 5 minutes old it is still
served at once while a Celery task recomputes it; older or missing, it is computed in the
request. A client's own change (an upload, a payment, a task) leaves a change marker; a
cached entry older than the marker is ignored, and while the view's snapshot predates the
marker that client's figures are aggregated live, so the change shows on the next page
load instead of after the next refresh.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.portal.content_cache import KINDS, client_content_changed
from apps.portal.metrics import (
    client_metrics_from_view,
    client_metrics_live,
    client_metrics_live_one,
    stored_documents_window,
)
from apps.portal.refresh import dashboard_snapshot_at

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


def client_cache_key(client_id: int) -> str:
    return f"portal:dashboard:client:v1:{client_id}"


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
    own_change_is_newer = changed_at is not None and (
        snapshot is None or snapshot.timestamp() < changed_at)
    row = None if own_change_is_newer else client_metrics_from_view(client_id)
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


def client_dashboard_fill(client_id: int) -> DashboardFigures:
    """Recompute and store one client's entry (the background half of the cache)."""
    changed_at = cache.get(client_change_key(client_id))
    entry = client_dashboard_compute(client_id, changed_at)
    cache.set(client_cache_key(client_id), entry, STALE_SECONDS)
    return entry


def client_dashboard_get(client_id: int) -> DashboardFigures:
    """One client's dashboard figures: one Redis round trip when the cache is fresh."""
    key, change_key = client_cache_key(client_id), client_change_key(client_id)
    found = cache.get_many([key, change_key])
    entry: DashboardFigures | None = found.get(key)
    changed_at: float | None = found.get(change_key)
    if entry is not None and (changed_at is None or entry.cached_at >= changed_at):
        age = time.time() - entry.cached_at
        if age < FRESH_SECONDS:
            return entry
        if age < STALE_SECONDS:
            _revalidate_in_background(client_id)
            return entry
    entry = client_dashboard_compute(client_id, changed_at)
    cache.set(key, entry, STALE_SECONDS)
    return entry


def _revalidate_in_background(client_id: int) -> None:
    # One refill per client at a time: add() succeeds for the first caller only.
    if not cache.add(f"{client_cache_key(client_id)}:filling", 1, _FILL_LOCK_SECONDS):
        return
    from apps.portal.tasks import dashboard_cache_fill

    dashboard_cache_fill.delay(client_id)
