"""Client health tasks: thin, safe to run twice (a refresh recomputes from the data)."""

from __future__ import annotations

from advisoros.celery import app


@app.task(name="clienthealth.refresh")
def health_refresh_task() -> int:
    """Beat (through the per-firm dispatcher): every client's score in this firm."""
    from apps.clienthealth.services import health_refresh

    return health_refresh().clients
