"""Platform-wide tasks, and the per-firm dispatcher that periodic work fans out through."""

from __future__ import annotations

import logging
import random

from django.core.management import call_command
from django.db import transaction
from django_tenants.utils import schema_context
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from advisoros.celery import app
from apps.firms.selectors import firm_schema_names_ready

log = logging.getLogger(__name__)
# A broker that is down or unreachable: the message is not sent, nothing else happened.
BROKER_ERRORS = (KombuError, RedisError, OSError)


def delay_or_log(task, *, countdown: float = 0, **kwargs) -> bool:
    """Queue `task` from after-commit code without Celery's publish retries: when the
    broker is down the data has already committed, so the request must not fail (or wait
    ~20 s) for it. The miss is logged, and the caller's catch-up (a sweep, a retry page)
    picks the work up. Returns whether the message was sent."""
    try:
        task.apply_async(kwargs=kwargs, countdown=countdown, retry=False)
    except BROKER_ERRORS as error:
        log.warning("broker unavailable, %s not queued now: %s", task.name, error)
        return False
    return True


def delay_on_commit(task, *, countdown: float = 0, **kwargs) -> None:
    """Queue `task` (with keyword arguments) once the current transaction commits, at once
    outside one: the worker never looks before the rows exist, and a broker that is
    briefly away never fails the write that already committed (`delay_or_log` logs it and
    the caller's catch-up, where there is one, sends it later). Use this, not
    `transaction.on_commit(lambda: task.delay(...))`, for every task a write queues."""
    transaction.on_commit(lambda: delay_or_log(task, countdown=countdown, **kwargs))


def for_each_firm(task_name: str, *, spread_seconds: int = 0, kwargs: dict | None = None
                  ) -> int:
    """Queue `task_name` once in every ready firm's schema; returns how many were queued.

    The task runs in each firm's schema (the message carries it). `spread_seconds`
    staggers the start times so a fleet of firms does not hit the database at one instant.
    """
    task = app.tasks[task_name]
    queued = 0
    for schema_name in firm_schema_names_ready():
        countdown = random.uniform(0, spread_seconds) if spread_seconds else 0
        with schema_context(schema_name):
            task.apply_async(kwargs=kwargs or {}, countdown=countdown)
        queued += 1
    return queued


@app.task(name="advisoros.tasks.dispatch_to_firms")
def dispatch_to_firms(task_name: str, spread_seconds: int = 0) -> int:
    """Beat calls this with the name of a per-firm task."""
    return for_each_firm(task_name, spread_seconds=spread_seconds)


@app.task(name="advisoros.tasks.sessions_clear_expired")
def sessions_clear_expired() -> None:
    with schema_context("public"):
        call_command("clearsessions")
