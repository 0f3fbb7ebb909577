"""The platform-staff performance dashboard and its JSON feed."""

import pytest
from django.test import Client

from apps.accounts.roles import Role
from apps.observability.context import WorkStats
from apps.observability.models import AlertEvent
from apps.observability.recording import record_request, record_task
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(public_client):
    response = public_client.get("/ops/performance/")

    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
    assert public_client.get("/ops/performance/data/").status_code == 401


def test_firm_owners_are_not_platform_staff(firm_a):
    client = sign_in(Client(HTTP_HOST="localhost"), firm_a.user(Role.OWNER))

    assert client.get("/ops/performance/").status_code == 403
    assert client.get("/ops/performance/data/").status_code == 403


def test_the_dashboard_is_not_on_firm_hosts(firm_a):
    assert firm_a.client(Role.OWNER).get("/ops/performance/").status_code == 404


def test_an_empty_dashboard_says_what_to_do_next(staff_client):
    response = staff_client.get("/ops/performance/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "No alert has fired" in body
    assert "make bench" in body
    assert "pg_stat_statements" in body


def test_the_dashboard_shows_routes_alerts_and_the_vendored_chart_library(staff_client):
    for ms in (5, 20, 700):
        record_request(route="/api/v1/clients/", firm="alpha-cpa", status=200, elapsed_ms=ms,
                       stats=WorkStats())
    record_task(task="portal.dashboard_refresh", state="SUCCESS", elapsed_ms=1400)
    AlertEvent.objects.create(rule="error_rate", threshold=1, fired_value=3.2,
                              fired_at="2026-01-05T10:00:00Z",
                              cleared_at="2026-01-05T10:07:00Z")

    response = staff_client.get("/ops/performance/?minutes=15")

    body = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/clients/" in body
    assert "portal.dashboard_refresh" in body
    assert "Error rate above 1 %" in body
    assert "2026-01-05T10:07:00+00:00" in body
    assert "vendor/chartjs/chart.umd.min.js" in body
    assert "cdn" not in body.lower()


def test_the_data_feed_has_percentiles_per_route(staff_client):
    for ms in [8] * 90 + [300] * 10:
        record_request(route="/", firm="alpha-cpa", status=200, elapsed_ms=ms)
    record_request(route="/", firm="alpha-cpa", status=500, elapsed_ms=8)

    data = staff_client.get("/ops/performance/data/?minutes=60").json()

    [row] = data["routes"]
    assert row["route"] == "/"
    assert row["requests"] == 101
    assert row["p50"] <= 10
    assert 250 <= row["p99"] <= 500
    assert row["error_pct"] == pytest.approx(0.99, abs=0.01)
    assert len(data["window"]["labels"]) == 60
    assert data["overall"]["p95"][-1] is not None
    assert data["route_series"]["/"]["p50"][-1] <= 10


@pytest.mark.parametrize("minutes", ["7", "-60", "abc", "6" * 10_000, "60\x00", "1e3"])
def test_bad_windows_are_a_clear_error(staff_client, minutes):
    page = staff_client.get("/ops/performance/", {"minutes": minutes})
    feed = staff_client.get("/ops/performance/data/", {"minutes": minutes})

    assert page.status_code == 400
    assert "Select a valid choice" in page.content.decode()
    assert feed.status_code == 400
    assert "minutes" in feed.json()


def test_every_window_answers(staff_client):
    for minutes, points in ((15, 15), (60, 60), (360, 72), (1440, 96)):
        data = staff_client.get("/ops/performance/data/", {"minutes": minutes}).json()
        assert len(data["window"]["labels"]) == points


def test_the_page_runs_a_fixed_number_of_queries(staff_client, django_assert_num_queries):
    for rule in ("error_rate", "queue_depth"):
        AlertEvent.objects.create(rule=rule, threshold=1, fired_value=2,
                                  fired_at="2026-01-05T10:00:00Z")
    staff_client.get("/ops/performance/")  # warm the session and user caches

    with django_assert_num_queries(8, exact=False) as captured:
        staff_client.get("/ops/performance/data/")
    statements = [q["sql"] for q in captured.captured_queries
                  if not q["sql"].startswith("SET search_path")]
    # The pg_stat_statements probe, the alerts: nothing else, whatever the traffic (the
    # user, with their MFA devices, comes from its cache); one more alert adds no query.
    assert len(statements) == 2, statements
    AlertEvent.objects.create(rule="p95_latency", threshold=1, fired_value=2,
                              fired_at="2026-01-05T11:00:00Z")
    with django_assert_num_queries(len(captured.captured_queries)):
        staff_client.get("/ops/performance/data/")
