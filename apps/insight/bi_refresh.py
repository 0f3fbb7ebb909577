"""Refreshing the firm BI views: one firm at a time, never twice at once.

Beat queues `insight.bi_refresh` in every firm every 15 minutes (advisoros/beat.py). A
transaction-scoped advisory lock keyed by the firm's schema makes a second refresh of the
same firm skip instead of queueing behind the first; CONCURRENTLY keeps the pages
readable while it runs (each view has a unique index for that).
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.insight.bi_sql import VIEWS, WINDOW_TABLE

logger = logging.getLogger(__name__)


def firm_time_zone() -> str:
    """The firm's time zone when the firm has one, else the site's."""
    name = getattr(getattr(connection, "tenant", None), "time_zone", "") or settings.TIME_ZONE
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return settings.TIME_ZONE
    return name


def bi_refresh(*, concurrently: bool = True, today: date | None = None) -> dict | None:
    """Refresh every BI view of this firm; None when another refresh holds the lock.
    `today` (the firm's date now by default) is what aging and WIP are measured against."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))",
                       [f"insight-bi-refresh:{connection.schema_name}"])
        if not cursor.fetchone()[0]:
            logger.info("BI refresh of %s skipped: one is running", connection.schema_name)
            return None
        zone = firm_time_zone()
        now = timezone.now()
        cursor.execute(f"UPDATE {WINDOW_TABLE} SET time_zone = %s, as_of = %s, "  # noqa: S608
                       "refreshed_at = %s WHERE id = 1",
                       [zone, today or now.astimezone(ZoneInfo(zone)).date(), now])
        mode = "CONCURRENTLY " if concurrently else ""
        timings = {}
        for name in VIEWS:
            clock = time.perf_counter()
            cursor.execute(f"REFRESH MATERIALIZED VIEW {mode}{name}")
            timings[name] = round((time.perf_counter() - clock) * 1000)
    logger.info("BI refresh of %s: %s", connection.schema_name, timings)
    return timings


def refreshed_at() -> datetime | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT refreshed_at FROM {WINDOW_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None
