"""Slow queries are logged with normalized SQL, route and firm; refreshes are timed."""

import json
import logging

import pytest
from django.db import connection

from apps.observability.context import WorkStats
from apps.observability.queries import normalize_sql, observe_queries, refreshed_view
from apps.observability.recording import MV_LIST, SLOW_LIST, recent
from apps.observability.store import read_totals

pytestmark = pytest.mark.django_db


def test_a_pg_sleep_over_the_threshold_is_logged_and_kept(caplog, settings):
    settings.SLOW_QUERY_MS = 100
    stats = WorkStats(request_id="req-0001", route="/reports/<int:pk>/", firm="alpha-cpa")

    with caplog.at_level(logging.WARNING, logger="advisoros.slow_query"), \
            observe_queries(stats), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.12), 'secret-value', 42")

    [record] = [r for r in caplog.records if r.name == "advisoros.slow_query"]
    assert record.sql == "SELECT pg_sleep(?), ?, ?"
    assert record.route == "/reports/<int:pk>/"
    assert record.firm == "alpha-cpa"
    assert record.duration_ms >= 120
    [kept] = recent(SLOW_LIST)
    assert kept["sql"] == "SELECT pg_sleep(?), ?, ?"
    assert kept["request_id"] == "req-0001"
    assert "secret-value" not in json.dumps(kept)
    # The query, plus django-tenants' SET search_path on the connection's first cursor.
    assert stats.db_queries in (1, 2)


def test_a_fast_query_is_not_logged(caplog):
    stats = WorkStats()

    with caplog.at_level(logging.WARNING, logger="advisoros.slow_query"), \
            observe_queries(stats), connection.cursor() as cursor:
        cursor.execute("SELECT 1")

    assert not [r for r in caplog.records if r.name == "advisoros.slow_query"]
    assert recent(SLOW_LIST) == []
    assert stats.db_queries in (1, 2)


def test_the_threshold_is_a_setting(caplog, settings):
    settings.SLOW_QUERY_MS = 5
    with caplog.at_level(logging.WARNING, logger="advisoros.slow_query"), \
            observe_queries(WorkStats()), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.01)")

    assert len([r for r in caplog.records if r.name == "advisoros.slow_query"]) == 1


def test_normalized_sql_drops_values_and_folds_lists():
    assert normalize_sql("SELECT * FROM t WHERE a = 'x''y' AND b IN (%s, %s, %s)\n  LIMIT 21"
                         ) == "SELECT * FROM t WHERE a = ? AND b IN (...) LIMIT ?"
    assert normalize_sql('SELECT "t1"."col2" FROM "t1"') == 'SELECT "t1"."col2" FROM "t1"'
    assert len(normalize_sql("SELECT " + "x, " * 5000)) == 2000


def test_refresh_statements_name_their_view():
    assert refreshed_view("REFRESH MATERIALIZED VIEW CONCURRENTLY client_dashboard_metrics"
                          ) == "client_dashboard_metrics"
    assert refreshed_view('refresh materialized view "s"."mv"') == "s.mv"
    assert refreshed_view("SELECT 'REFRESH MATERIALIZED VIEW x'") is None


def test_a_materialized_view_refresh_is_timed_wherever_it_runs():
    with connection.cursor() as cursor:
        cursor.execute("CREATE MATERIALIZED VIEW obs_test_mv AS SELECT 1 AS x")
    stats = WorkStats(firm="alpha-cpa")

    with observe_queries(stats), connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW obs_test_mv")

    [entry] = recent(MV_LIST)
    assert (entry["view"], entry["firm"]) == ("obs_test_mv", "alpha-cpa")
    assert read_totals("mv")["obs_test_mv\x1falpha-cpa\x1fn"] == 1
