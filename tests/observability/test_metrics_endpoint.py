"""/metrics: Prometheus text for the whole fleet, refused without credentials."""

import pytest
from django.test import Client

from apps.accounts.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-scrape-token-0123456789"


@pytest.fixture
def token_set(settings):
    settings.METRICS_TOKEN = TOKEN


def test_metrics_is_refused_without_credentials(public_client, token_set):
    response = public_client.get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"advisoros_http_requests_total" not in response.content


@pytest.mark.parametrize("header", ["Bearer wrong-token", f"Basic {TOKEN}", "Bearer ",
                                    f"Bearer {TOKEN}x", "Bearer " + "a" * 10_000,
                                    "Bearer nul\x00byte"])
def test_metrics_is_refused_with_a_wrong_token(public_client, token_set, header):
    assert public_client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 401


def test_an_empty_token_setting_never_matches_an_empty_bearer(public_client, settings):
    settings.METRICS_TOKEN = ""

    assert public_client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_a_signed_in_user_who_is_not_platform_staff_is_refused(firm_a, token_set):
    client = sign_in(Client(HTTP_HOST="localhost"), firm_a.user(Role.OWNER))

    assert client.get("/metrics").status_code == 401


def test_metrics_is_not_served_on_a_firm_host(firm_a, token_set):
    response = firm_a.client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 404


def test_the_scraper_gets_counters_with_route_and_firm_labels(firm_a, public_client,
                                                              token_set):
    firm_a.client(Role.OWNER).get("/")
    firm_a.client(Role.OWNER).get("/")

    response = public_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'advisoros_http_requests_total{route="/",firm="alpha-cpa",status="200"} 2' in text
    assert ('advisoros_http_request_duration_seconds_count{route="/",firm="alpha-cpa"} 2'
            in text)
    assert 'le="+Inf"' in text
    assert "# TYPE advisoros_http_request_duration_seconds histogram" in text
    assert 'advisoros_cache_requests_total{route="/",firm="alpha-cpa",cache="public"' in text
    assert 'advisoros_alert_firing{rule="p95_latency"} 0' in text


def test_platform_staff_may_read_it_in_the_browser(staff_client):
    response = staff_client.get("/metrics")

    assert response.status_code == 200
    assert b"# TYPE advisoros_http_requests_total counter" in response.content


def test_metrics_only_answers_get(public_client, token_set):
    response = public_client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 405
