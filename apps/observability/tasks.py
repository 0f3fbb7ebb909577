"""Beat's alert evaluation: sample the queues, then judge every rule."""

from __future__ import annotations

import time

from django_tenants.utils import schema_context

from advisoros.celery import app
from apps.observability.recording import record_queue_depths
from apps.observability.selectors import queue_depths
from apps.observability.services import alerts_evaluate


@app.task(name="apps.observability.tasks.alerts_evaluate")
def alerts_evaluate_task() -> list[str]:
    now = time.time()
    depths = queue_depths()
    record_queue_depths(depths, at=now)
    with schema_context("public"):
        transitions = alerts_evaluate(now=now, queue_depths=depths)
    return [f"{t.rule}: {t.change}" for t in transitions]
