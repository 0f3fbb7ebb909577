"""Celery queues by workload (advisoros/queues.py) and beat as a singleton
(advisoros/beat_lock.py), against the real Redis broker."""

from __future__ import annotations

import time

import pytest
from django_redis import get_redis_connection
from kombu import Connection

from advisoros import queues
from advisoros.beat_lock import LOCK_KEY, LockedScheduler
from advisoros.celery import app

TEST_QUEUE = "beat-lock-test"


def test_every_task_is_routed_to_a_known_queue_the_way_celery_routes_it():
    app.loader.import_default_modules()
    names = [name for name in app.tasks if not name.startswith("celery.")]
    assert len(names) > 30
    for name in names:
        routed = app.amqp.router.route({}, name, args=(), kwargs={})["queue"].name
        assert routed in queues.QUEUES, name
        assert routed == queues.queue_for(name), name
    assert queues.queue_for("mail.deliver") == "email"
    assert queues.queue_for("documents.process_large") == "documents-large"
    assert queues.queue_for("integrations.webhook_deliver") == "integrations"
    assert queues.queue_for("insight.forecasts_refresh") == "reports"


def test_the_general_worker_consumes_every_queue_but_the_large_scan_lane():
    # (Per-queue workers in deploy/k8s and compose: tests/scale/test_deploy_manifests.py.)
    general = set(queues.GENERAL_WORKER_QUEUES.split(","))
    assert general | {"documents-large"} == set(queues.QUEUES)
    assert "documents-large" not in general


@pytest.fixture
def only_test_entry(settings):
    settings.BEAT_LOCK_SECONDS = 1
    previous = app.conf.beat_schedule
    app.conf.beat_schedule = {"beat-lock-test": {
        "task": "celery.accumulate", "schedule": 0.2, "args": [1],
        "options": {"queue": TEST_QUEUE, "expires": 60}}}
    with Connection(app.conf.broker_url) as conn:
        client = conn.default_channel.client
        client.delete(TEST_QUEUE)
        yield client
        client.delete(TEST_QUEUE)
    app.conf.beat_schedule = previous
    get_redis_connection("public").delete(LOCK_KEY)


def _scheduler(tmp_path, name):
    return LockedScheduler(app=app, schedule_filename=str(tmp_path / name), lazy=False)


def _run(schedulers, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for scheduler in schedulers:
            scheduler.tick()
        time.sleep(0.05)


def test_two_beats_never_both_send_and_the_standby_takes_over(only_test_entry, tmp_path):
    broker = only_test_entry
    first, second = _scheduler(tmp_path, "a"), _scheduler(tmp_path, "b")
    try:
        _run([first, second], 2.0)
        sent_together = broker.llen(TEST_QUEUE)
        # Every 0.2 s for 2 s: about 10 sends from the one holder, never about 20.
        assert 5 <= sent_together <= 13, sent_together
        assert first.lock.held != second.lock.held
        holder, standby = (first, second) if first.lock.held else (second, first)
        # The holder dies (stops ticking without releasing): the lock expires and the
        # standby takes over within the lock's lifetime, then sends alone.
        _run([standby], 2.5)
        assert standby.lock.held
        assert broker.llen(TEST_QUEUE) > sent_together
        holder.lock.held = False
        assert not holder.lock.acquire_or_renew()  # the old holder cannot take it back
    finally:
        first.close()
        second.close()
