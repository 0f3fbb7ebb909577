"""Every error under /api/ answers JSON with a request id, never Django's HTML page (debug
or not); pages keep their HTML error pages."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def api_client(request, settings):
    settings.DEBUG = request.param
    settings.PUBLIC_SCHEMA_URLCONF = "tests.platform.urls_error_probe"
    return Client(HTTP_HOST="localhost", raise_request_exception=False)


def _assert_json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    assert body["request_id"] == response["X-Request-ID"]
    assert b"Traceback" not in response.content and b"<html" not in response.content.lower()
    return body


def test_an_unknown_api_route_is_a_json_404(api_client):
    _assert_json_error(api_client.get("/api/v1/no-such-thing/"), 404)


def test_an_exception_in_an_api_view_is_a_json_500(api_client):
    body = _assert_json_error(api_client.get("/api/v1/probe/raise/"), 500)

    assert body["detail"] == "Something went wrong on our side."
    assert "a bug in a view" not in str(body)


def test_a_wrong_method_is_a_json_405_with_allow(api_client):
    response = api_client.get("/api/v1/probe/post-only/")

    _assert_json_error(response, 405)
    assert response["Allow"] == "POST"


def test_a_body_over_the_limit_is_a_json_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api_client.post("/api/v1/probe/body/", {"field": "x" * 5000})

    body = _assert_json_error(response, 413)
    assert body["detail"] == "The request body is too large."


def test_a_drf_error_keeps_its_own_json(api_client):
    response = api_client.post("/api/v1/marketplace/match/", "not json",
                               content_type="application/json")

    assert response.status_code == 400
    assert "request_id" not in response.json()


def test_pages_keep_their_html_error_pages(api_client, settings):
    response = api_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
