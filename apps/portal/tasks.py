"""Celery tasks of the portal: thin, idempotent, run in the firm's schema."""

from __future__ import annotations

from advisoros.celery import app


@app.task(name="portal.dashboard_refresh")
def dashboard_refresh_task() -> dict | None:
    """Refresh this firm's dashboard view (beat fans it out to every firm)."""
    from apps.portal.refresh import dashboard_refresh

    record = dashboard_refresh()
    if record is None:
        return None
    return {"rows": record.rows, "duration_ms": record.duration_ms}


@app.task(name="portal.dashboard_cache_fill")
def dashboard_cache_fill(client_id: int) -> str:
    """Recompute one client's cached dashboard (the revalidate half of the cache)."""
    from apps.portal.dashboard import client_dashboard_fill

    entry = client_dashboard_fill(client_id)
    return entry.source if entry is not None else "client gone"
