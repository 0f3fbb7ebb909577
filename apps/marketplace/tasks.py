"""Marketplace background work: thin wrappers over services, safe to run twice."""

from __future__ import annotations

from advisoros.celery import app
from apps.marketplace.services import advisor_embedding_refresh


@app.task(name="marketplace.advisor_embedding_refresh")
def advisor_embedding_refresh_task(advisor_id: int) -> bool:
    return advisor_embedding_refresh(advisor_id=advisor_id)
