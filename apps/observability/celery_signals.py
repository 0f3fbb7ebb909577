"""Celery tasks: duration and outcome per task name, and query observation inside tasks.

Connected from ObservabilityConfig.ready(), so it runs in worker processes. A task's
slow queries and materialized-view refreshes are recorded like a request's, with the
route `task:<name>` and the firm whose schema the task runs in.
"""

from __future__ import annotations

import contextlib
import time

from celery.signals import task_postrun, task_prerun
from django.db import connection

from apps.observability import context
from apps.observability.context import WorkStats
from apps.observability.queries import QueryObserver
from apps.observability.recording import record_task

# task id -> (started, context token, observer); per worker process, cleared at postrun.
_running: dict[str, tuple[float, object, QueryObserver]] = {}


@task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs) -> None:
    if task_id is None or task is None:
        return
    # tenant-schemas-celery switched to the task's firm in its own (earlier) receiver.
    firm = getattr(getattr(connection, "tenant", None), "slug", None) or "public"
    stats = WorkStats(request_id=task_id, firm=firm, route=f"task:{task.name}")
    observer = QueryObserver(stats)
    connection.execute_wrappers.append(observer)
    _running[task_id] = (time.perf_counter(), context.begin(stats), observer)


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    entry = _running.pop(task_id, None) if task_id else None
    if entry is None:
        return
    started, token, observer = entry
    if observer in connection.execute_wrappers:
        connection.execute_wrappers.remove(observer)
    # A token from another context (an eager task nested in a request) cannot be reset.
    with contextlib.suppress(ValueError):
        context.end(token)
    record_task(task=task.name, state=state or "UNKNOWN",
                elapsed_ms=(time.perf_counter() - started) * 1000)
