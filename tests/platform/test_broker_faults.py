"""Workers ride out a broker outage, lost messages come back within a minute or two, and a
live worker's messages are never handed to a second worker. Real worker processes, real
Redis (a server of the test's own, so stopping it leaves the suite's Redis alone)."""

from __future__ import annotations

import os
import signal

import pytest

from advisoros import embedded
from tests.platform.workers import new_broker_world, received_count, wait_for


@pytest.fixture
def broker_world():
    world = new_broker_world(visibility_timeout=6)
    yield world
    world.stop()


def test_a_worker_survives_a_redis_outage_and_processes_tasks_after_it(broker_world):
    worker, log = broker_world.start_worker("outage")
    app = broker_world.client_app()
    # A task waiting for its countdown is held, unacknowledged, by the worker when Redis
    # goes away: the case that made Celery 5.7.0 exit for good.
    waiting = app.send_task("celery.accumulate", args=[7], countdown=20)
    assert wait_for(lambda: received_count(log, waiting.id) == 1, 30)

    embedded.stop_redis(broker_world.data_dir)
    assert wait_for(lambda: "Connection to broker lost" in log.read_text(), 30)
    assert wait_for(lambda: "Cannot connect" in log.read_text(), 30)
    embedded.ensure_redis(broker_world.data_dir)

    assert worker.poll() is None, log.read_text()[-3000:]
    after = app.send_task("celery.accumulate", args=[1, 2])
    assert after.get(timeout=60) == [1, 2]
    assert worker.poll() is None
    assert "Unrecoverable error" not in log.read_text()
    # The held task was put back on the queue and still runs (read with a fresh client:
    # a result subscription made before the outage is the client's own problem).
    fresh = broker_world.client_app()
    assert fresh.AsyncResult(waiting.id).get(timeout=60) == [7]


def test_a_dead_workers_message_is_redelivered_within_the_visibility_timeout(broker_world):
    doomed, doomed_log = broker_world.start_worker("doomed")
    app = broker_world.client_app()
    # Countdown long enough that the doomed worker cannot have run it before it dies.
    held = app.send_task("celery.accumulate", args=[42], countdown=30)
    assert wait_for(lambda: received_count(doomed_log, held.id) == 1, 30)

    os.killpg(doomed.pid, signal.SIGKILL)  # no warm shutdown: nothing gets restored
    doomed.wait(timeout=10)
    _, survivor_log = broker_world.start_worker("survivor")

    # Visibility timeout 6 s here (60 s in production) plus the 1 s sweep: the message
    # comes back, instead of after Celery's default hour.
    assert held.get(timeout=90) == [42]
    assert received_count(survivor_log, held.id) == 1
    assert received_count(doomed_log, held.id) == 1


def test_a_live_worker_keeps_its_messages_past_the_visibility_timeout(broker_world):
    _, holder_log = broker_world.start_worker("holder")
    app = broker_world.client_app()
    # Countdown four times the visibility timeout: without the keep-alive the sweep would
    # hand the message to the other worker (and back) while the holder still waits.
    held = app.send_task("celery.accumulate", args=[5], countdown=24)
    assert wait_for(lambda: received_count(holder_log, held.id) == 1, 30)
    _, other_log = broker_world.start_worker("other")

    assert held.get(timeout=60) == [5]
    assert received_count(holder_log, held.id) == 1
    assert received_count(other_log, held.id) == 0
