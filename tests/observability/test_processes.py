"""Counts from several processes (gunicorn workers, Celery children) add up in Redis."""

import multiprocessing
import time

import pytest

from apps.observability.recording import record_request
from apps.observability.store import BUFFER, read_totals

pytestmark = pytest.mark.django_db


def _worker(count: int) -> None:
    from django.conf import settings

    settings.OBSERVABILITY_FLUSH_SECONDS = 0.1  # buffered, as in production
    for _ in range(count):
        record_request(route="/", firm="alpha-cpa", status=200, elapsed_ms=3)
    time.sleep(0.5)  # the flusher thread runs; nothing here flushes by hand


def test_buffered_counts_from_two_processes_add_up():
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_worker, args=(count,)) for count in (250, 150)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=20)

    assert [w.exitcode for w in workers] == [0, 0]
    totals = read_totals("req")
    assert totals["/\x1falpha-cpa\x1fn"] == 400
    assert totals["/\x1falpha-cpa\x1fb:5"] == 400


def test_a_flush_with_nothing_pending_writes_nothing():
    assert BUFFER.flush() == 0


def test_celery_tasks_are_timed_by_name():
    from apps.observability.tasks import alerts_evaluate_task

    alerts_evaluate_task.apply()

    totals = read_totals("task")
    assert totals["apps.observability.tasks.alerts_evaluate\x1fn"] == 1
    assert totals["apps.observability.tasks.alerts_evaluate\x1fstate:SUCCESS"] == 1
