"""Refreshing the dashboard view: one firm at a time, never twice at once, timed.

Beat queues `portal.dashboard_refresh` in every firm every 5 minutes (advisoros/beat.py).
A transaction-scoped advisory lock keyed by the firm's schema makes a second refresh of
the same firm skip instead of queueing behind the first.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from apps.portal.dashboard_sql import VIEW_NAME
from apps.portal.metrics import documents_window_start
from apps.portal.models import DashboardRefresh

logger = logging.getLogger(__name__)

# Tenant cache (keys carry the schema): when the view's current snapshot was taken.
SNAPSHOT_KEY = "portal:dashboard:snapshot:v1"
_SNAPSHOT_SECONDS = 60 * 60


def _lock_key() -> str:
    return f"dashboard-refresh:{connection.schema_name}"


def dashboard_refresh(*, concurrently: bool = True) -> DashboardRefresh | None:
    """Refresh this firm's view; None when another refresh of this firm holds the lock."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [_lock_key()])
        if not cursor.fetchone()[0]:
            logger.info("dashboard refresh of %s skipped: one is running",
                        connection.schema_name)
            return None
        # Taken before the REFRESH statement, whose snapshot is therefore no older: a
        # change committed before this instant is in the view.
        started_at = timezone.now()
        cursor.execute("UPDATE portal_dashboard_window SET documents_since = %s WHERE id = 1",
                       [documents_window_start(started_at)])
        clock = time.perf_counter()
        mode = "CONCURRENTLY " if concurrently else ""
        cursor.execute(f"REFRESH MATERIALIZED VIEW {mode}{VIEW_NAME}")
        duration_ms = round((time.perf_counter() - clock) * 1000)
        cursor.execute(f"SELECT count(*) FROM {VIEW_NAME}")  # noqa: S608 - constant name
        rows = cursor.fetchone()[0]
        record = DashboardRefresh.objects.create(started_at=started_at,
                                                 duration_ms=duration_ms, rows=rows,
                                                 concurrently=concurrently)
        transaction.on_commit(lambda: cache.set(SNAPSHOT_KEY, started_at, _SNAPSHOT_SECONDS))
    logger.info("dashboard refresh of %s: %s rows in %s ms", connection.schema_name, rows,
                duration_ms)
    return record


def dashboard_snapshot_at() -> datetime | None:
    """When the view's data was taken (start of the last refresh); None if never."""
    cached = cache.get(SNAPSHOT_KEY)
    if cached is not None:
        return cached
    latest = DashboardRefresh.objects.order_by("-started_at").values_list(
        "started_at", flat=True).first()
    if latest is not None:
        cache.set(SNAPSHOT_KEY, latest, _SNAPSHOT_SECONDS)
    return latest
