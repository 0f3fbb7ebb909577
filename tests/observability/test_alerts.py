"""Alert rules fire on synthetic data, stay single while firing, and clear."""

import time

import pytest

from apps.observability.context import WorkStats
from apps.observability.models import AlertEvent
from apps.observability.recording import record_request
from apps.observability.services import alerts_evaluate

pytestmark = pytest.mark.django_db
NOW = (int(time.time()) // 60) * 60 + 30  # half-way through the current minute


def traffic(minutes_ago: range, *, count: int = 30, ms: float = 20, status: int = 200,
            cache_hits: int = 0, cache_misses: int = 0) -> None:
    for ago in minutes_ago:
        for _ in range(count):
            stats = WorkStats()
            if cache_hits or cache_misses:
                stats.cache[("default", "portal")] = [cache_hits, cache_misses]
            record_request(route="/", firm="alpha-cpa", status=status, elapsed_ms=ms,
                           stats=stats, at=NOW - ago * 60)


def test_sustained_slow_requests_fire_the_p95_alert():
    traffic(range(1, 6), ms=800)

    transitions = alerts_evaluate(now=NOW, queue_depths={})

    assert [(t.rule, t.change) for t in transitions] == [("p95_latency", "fired")]
    event = AlertEvent.objects.get()
    assert event.rule == "p95_latency"
    assert 750 < event.fired_value <= 1000
    assert event.cleared_at is None


def test_four_slow_minutes_out_of_five_do_not_fire_it():
    traffic(range(1, 5), ms=800)
    traffic(range(5, 6), ms=20)

    assert alerts_evaluate(now=NOW, queue_depths={}) == []
    assert not AlertEvent.objects.exists()


def test_the_p95_alert_clears_when_latency_recovers():
    traffic(range(1, 6), ms=800)
    alerts_evaluate(now=NOW, queue_depths={})
    # Two minutes later the last minute was fast again.
    traffic(range(-2, 0), ms=20)

    transitions = alerts_evaluate(now=NOW + 120, queue_depths={})

    assert [(t.rule, t.change) for t in transitions] == [("p95_latency", "cleared")]
    event = AlertEvent.objects.get()
    assert event.cleared_at is not None
    assert event.cleared_at > event.fired_at


def test_evaluating_again_while_firing_keeps_one_event():
    traffic(range(1, 6), ms=800)

    alerts_evaluate(now=NOW, queue_depths={})
    second = alerts_evaluate(now=NOW, queue_depths={})

    assert [(t.rule, t.change) for t in second] == [("p95_latency", "still firing")]
    assert AlertEvent.objects.count() == 1


def test_more_than_one_percent_errors_fire_and_then_clear():
    traffic(range(1, 6), count=99)
    traffic(range(1, 2), count=3, status=500)  # 3 of 498 = 0.6 %: fine
    assert alerts_evaluate(now=NOW, queue_depths={}) == []

    traffic(range(1, 2), count=5, status=503)  # 8 of 503 = 1.6 %
    fired = alerts_evaluate(now=NOW, queue_depths={})
    assert [(t.rule, t.change) for t in fired] == [("error_rate", "fired")]
    assert AlertEvent.objects.get().fired_value == pytest.approx(8 / 503 * 100)

    cleared = alerts_evaluate(now=NOW + 10 * 60, queue_depths={})  # the window moved on
    assert [(t.rule, t.change) for t in cleared] == [("error_rate", "cleared")]


def test_a_low_cache_hit_ratio_fires():
    traffic(range(1, 6), count=10, cache_hits=1, cache_misses=1)  # 50 %

    transitions = alerts_evaluate(now=NOW, queue_depths={})

    assert [(t.rule, t.change) for t in transitions] == [("cache_hit_ratio", "fired")]
    assert AlertEvent.objects.get().fired_value == 50.0


def test_a_healthy_cache_hit_ratio_does_not_fire():
    traffic(range(1, 6), count=10, cache_hits=3, cache_misses=1)  # 75 %

    assert alerts_evaluate(now=NOW, queue_depths={}) == []


def test_a_deep_queue_fires_and_a_drained_one_clears():
    fired = alerts_evaluate(now=NOW, queue_depths={"celery": 101, "documents": 3})
    assert [(t.rule, t.change) for t in fired] == [("queue_depth", "fired")]
    assert AlertEvent.objects.get().fired_value == 101

    cleared = alerts_evaluate(now=NOW + 60, queue_depths={"celery": 100, "documents": 0})
    assert [(t.rule, t.change) for t in cleared] == [("queue_depth", "cleared")]


def test_no_traffic_is_not_an_alert():
    assert alerts_evaluate(now=NOW, queue_depths={}) == []
    assert not AlertEvent.objects.exists()


def test_the_beat_task_samples_the_queues_and_evaluates(settings):
    from django_redis import get_redis_connection

    from advisoros.celery import app
    from apps.observability.store import minute_key, minute_of
    from apps.observability.tasks import alerts_evaluate_task

    settings.OBSERVABILITY_QUEUES = ["obs-test-queue"]
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete("obs-test-queue")
        client.rpush("obs-test-queue", *[f"m{i}" for i in range(120)])
    try:
        result = alerts_evaluate_task.apply().get()
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete("obs-test-queue")

    assert "queue_depth: fired" in result
    sampled = get_redis_connection("public").hgetall(minute_key("queue", minute_of()))
    assert sampled == {b"obs-test-queue": b"120"}
