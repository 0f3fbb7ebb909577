"""Histogram percentiles, Prometheus text and cache namespaces: pure functions."""

from apps.observability.cache import key_namespace
from apps.observability.histogram import bucket_label, percentile_ms
from apps.observability.prometheus import render


def test_latency_falls_in_the_smallest_bucket_that_holds_it():
    assert bucket_label(0.2) == "1"
    assert bucket_label(1) == "1"
    assert bucket_label(1.01) == "2.5"
    assert bucket_label(499) == "500"
    assert bucket_label(60_000) == "inf"


def test_percentiles_interpolate_inside_a_bucket():
    counts = {"10": 50, "25": 50}  # 50 requests in (5, 10], 50 in (10, 25]

    assert percentile_ms(counts, 50) == 10.0
    assert percentile_ms(counts, 95) == 23.5
    assert percentile_ms({}, 95) is None
    assert percentile_ms({"inf": 3}, 99) == 10000.0


def test_the_exposition_is_cumulative_and_escapes_labels():
    sep = "\x1f"
    route = '/a"b\\c/'
    text = render(
        requests={f"{route}{sep}public{sep}n": 3, f"{route}{sep}public{sep}s:200": 3,
                  f"{route}{sep}public{sep}b:10": 2, f"{route}{sep}public{sep}b:100": 1,
                  f"{route}{sep}public{sep}us": 1_500_000},
        tasks={}, refreshes={}, queue_depths={"celery": 4},
        alerts_firing=[("error_rate", True)], slow_queries=2)

    label = 'route="/a\\"b\\\\c/",firm="public"'
    assert f'advisoros_http_request_duration_seconds_bucket{{{label},le="0.01"}} 2' in text
    assert f'advisoros_http_request_duration_seconds_bucket{{{label},le="0.1"}} 3' in text
    assert f'advisoros_http_request_duration_seconds_bucket{{{label},le="+Inf"}} 3' in text
    assert f"advisoros_http_request_duration_seconds_sum{{{label}}} 1.5" in text
    assert 'advisoros_celery_queue_depth{queue="celery"} 4' in text
    assert 'advisoros_alert_firing{rule="error_rate"} 1' in text
    assert "advisoros_slow_queries_total 2" in text


def test_cache_namespaces_stay_few():
    assert key_namespace("acl:v1:firm:3:user:9") == "acl"
    assert key_namespace("firm-host:v1:alpha.localhost") == "firm-host"
    assert key_namespace("django.contrib.sessions.cached_dbabc123") == "sessions"
    assert key_namespace("user42:profile") == "user#"
    assert key_namespace("nocolon") == "other"
