"""Database connections of Celery worker processes: kept across tasks, like a web worker's.

Celery's Django fixup closes every database connection before and after each task unless
`CELERY_DB_REUSE_MAX` is set, so each task paid a new backend (fork, authentication, the
first `SET search_path`): 1,742 connections in one seed 004 mix run, a large share of the
Postgres CPU of a small document. Here a task is treated like a request in Django: before
and after it, `close_old_connections()` closes only a connection that is broken, was left
inside a transaction, or is older than CONN_MAX_AGE, and with CONN_HEALTH_CHECKS the next
task checks a kept connection once before using it (a Postgres restart between tasks costs
a reconnect, not a failed task). The fixup still closes everything every
DB_REUSE_MAX_TASKS tasks, which bounds how long any session state could linger.

Reuse is safe with firms: tenant-schemas-celery sets the task's tenant on the connection
before each task, and the backend (advisoros/postgresql_backend) sends `SET search_path`
whenever the schemas wanted differ from what the session has.
"""

from __future__ import annotations

from celery import Celery, signals
from django.db import close_old_connections

# The fixup counts a prerun and a postrun per task: it closes after this many tasks.
DB_REUSE_MAX_TASKS = 1000


def _close_unusable_connections(sender=None, **kwargs) -> None:
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside its caller's request or transaction
    close_old_connections()


def keep_connections_across_tasks(app: Celery) -> None:
    # Read by celery.fixups.django.DjangoWorkerFixup when the worker starts.
    app.conf.update(CELERY_DB_REUSE_MAX=DB_REUSE_MAX_TASKS)
    signals.task_prerun.connect(_close_unusable_connections, weak=False,
                                dispatch_uid="advisoros.close_unusable_before_task")
    signals.task_postrun.connect(_close_unusable_connections, weak=False,
                                 dispatch_uid="advisoros.close_unusable_after_task")
