"""The middleware records each request under its URL pattern and firm, with status,
latency bucket, query count and cache lookups, and hands back a request id."""

import pytest
from django.test import Client

from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db


def _series(totals, route, firm):
    return {kind: value for (r, f, kind), value in totals.items() if (r, f) == (route, firm)}


def test_a_firm_page_is_recorded_under_its_pattern_and_firm(firm_a, request_totals):
    client = firm_a.client(Role.OWNER)

    response = client.get("/")

    assert response.status_code == 200
    series = _series(request_totals(), "/", "alpha-cpa")
    assert series["n"] == 1
    assert series["s:200"] == 1
    assert sum(v for k, v in series.items() if k.startswith("b:")) == 1
    assert series["us"] > 0
    # The session and the cached permission check are counted per namespace.
    assert any(k.startswith("c:public/") for k in series)
    assert not any(f == "beta-tax" for (_, f, _) in request_totals())


def test_a_detail_route_is_recorded_as_its_pattern_not_its_path(public_client, request_totals):
    public_client.get("/accounts/password-reset/abc/secret-token-1/")

    routes = {route for (route, _, _) in request_totals()}
    assert not any("secret-token" in route for route in routes)
    assert "/accounts/password-reset/<uidb64>/<token>/" in routes


def test_requests_of_two_firms_land_in_two_series(firm_a, firm_b, request_totals):
    firm_a.client(Role.OWNER).get("/")
    firm_a.client(Role.OWNER).get("/")
    firm_b.client(Role.OWNER).get("/")

    totals = request_totals()
    assert _series(totals, "/", "alpha-cpa")["n"] == 2
    assert _series(totals, "/", "beta-tax")["n"] == 1


def test_database_queries_are_counted(firm_a, request_totals):
    # A cold request: the session and role are read from the database.
    firm_a.client(Role.OWNER).get("/")

    series = _series(request_totals(), "/", "alpha-cpa")
    assert series["dbq"] >= 1
    assert series["dbus"] > 0


def test_unknown_paths_share_one_series(public_client, request_totals):
    public_client.get("/no/such/page/1")
    public_client.get("/no/such/page/2")

    series = _series(request_totals(), "<unmatched>", "public")
    assert series["n"] == 2
    assert series["s:404"] == 2


def test_every_response_carries_a_request_id(public_client):
    first = public_client.get("/health/")
    second = public_client.get("/health/")

    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept(public_client):
    response = public_client.get("/health/", HTTP_X_REQUEST_ID="lb-1234abcd-5678")

    assert response["X-Request-ID"] == "lb-1234abcd-5678"


@pytest.mark.parametrize("incoming", ["short", "x" * 10_000, "bad id with spaces",
                                      "nul\x00byte-12345", "<script>alert(1)</script>"])
def test_an_unusable_incoming_request_id_is_replaced(public_client, incoming):
    response = public_client.get("/health/", HTTP_X_REQUEST_ID=incoming)

    assert response.status_code == 200
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_the_request_id_is_on_the_request_for_other_code(firm_a):
    from apps.observability import middleware

    seen = {}

    def view(request):
        from django.http import HttpResponse
        seen["id"] = request.request_id
        return HttpResponse("ok")

    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="abcdef123456")
    response = middleware.RequestMetricsMiddleware(view)(request)

    assert seen["id"] == "abcdef123456" == response["X-Request-ID"]


def test_gzip_compresses_pages_for_clients_that_accept_it():
    client = Client(HTTP_HOST="localhost")

    response = client.get("/accounts/sign-in/", HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"


def test_public_api_reads_answered_by_the_edge_cache_keep_their_route(public_client,
                                                                      request_totals):
    from apps.marketplace.cache import cache_stats
    from tests.marketplace.factories import make_advisor

    advisor = make_advisor()
    for _ in range(2):
        assert public_client.get(f"/api/v1/marketplace/advisors/{advisor.id}/").status_code \
            == 200

    assert cache_stats()["edge"]["hits"] == 1
    series = _series(request_totals(), "/api/v1/marketplace/advisors/<int:pk>/", "public")
    assert series["n"] == 2 and series["s:200"] == 2
