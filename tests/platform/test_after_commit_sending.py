"""Tasks a write queues are sent after commit through one helper
(advisoros/tasks.py::delay_on_commit): with the broker unreachable the write still
succeeds at once, and the miss is logged, never raised."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from django.db import connection, transaction

from advisoros.celery import app
from advisoros.tasks import delay_on_commit
from apps.accounts.roles import Role
from apps.insight.models import ForecastRun
from apps.insight.services import forecast_run_start
from apps.work.models import Job
from apps.work.tasks import automations_fire
from tests.work.factories import make_client, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    """Every new broker connection of this process goes to a port where nothing listens
    (connection refused), the app's pools included, until the test ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)


def _not_queued(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "advisoros.tasks" and "not queued now" in r.getMessage()]


def test_a_job_created_while_the_broker_is_down_is_kept_and_answered_at_once(
        firm_a, broker_down, caplog, django_capture_on_commit_callbacks):
    """Before: the after-commit `.delay()` retried publishing for ~20 s, then raised, and
    the client got a 500 for a job that had been created."""
    connection.set_tenant(firm_a.firm)
    template, customer = make_template(), make_client()
    manager = firm_a.client(Role.MANAGER)
    caplog.set_level(logging.WARNING, logger="advisoros.tasks")

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as sent:
        answer = manager.post("/api/v1/work/jobs/", {"template": template.pk,
                                                     "client": customer.pk},
                              content_type="application/json")
    took = time.monotonic() - started

    assert answer.status_code == 201
    assert Job.objects.filter(pk=answer.json()["id"]).exists()
    assert len(sent) >= 1
    assert any("work.automations_fire" in m for m in _not_queued(caplog))
    assert took < 10  # no publish retries (a diagnosis aid, not a speed budget)


def test_a_forecast_run_requested_while_the_broker_is_down_stays_queued(
        in_firm_a, broker_down, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.WARNING, logger="advisoros.tasks")

    with django_capture_on_commit_callbacks(execute=True):
        run = forecast_run_start(horizon=6)

    assert ForecastRun.objects.get(pk=run.pk).status == ForecastRun.Status.QUEUED
    assert len(_not_queued(caplog)) == 1


def test_nothing_is_sent_for_a_write_that_rolls_back(
        in_firm_a, broker_down, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.WARNING, logger="advisoros.tasks")

    with django_capture_on_commit_callbacks(execute=True) as sent, \
            pytest.raises(RuntimeError), transaction.atomic():
        delay_on_commit(automations_fire, job_id=1, trigger="job_created",
                        event_key="rolled-back", stage_id=None)
        raise RuntimeError("the write fails")

    assert sent == [] and _not_queued(caplog) == []
