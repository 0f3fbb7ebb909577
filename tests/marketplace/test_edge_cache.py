"""The micro-cache in front of the public advisor API: anonymous JSON reads are answered
from Redis, throttled like any other, stale the moment an advisor changes, and never
used for anyone else."""

from __future__ import annotations

import gzip

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.marketplace.cache import cache_stats
from tests.marketplace.factories import make_advisor

pytestmark = pytest.mark.django_db

URL = "/api/v1/marketplace/advisors/"


def _edge_hits() -> int:
    return cache_stats().get("edge", {}).get("hits", 0)


def test_the_second_anonymous_read_comes_from_the_edge_without_a_query(api):
    advisor = make_advisor(headline="Fractional CFO for SaaS")
    first = api.get(f"{URL}{advisor.id}/")

    with CaptureQueriesContext(connection) as captured:
        again = api.get(f"{URL}{advisor.id}/")

    assert len(captured) == 0 and _edge_hits() == 1
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Content-Type"] == "application/json"
    assert "Accept" in again["Vary"] and again["X-Frame-Options"] == "DENY"


def test_gzip_clients_get_the_stored_compressed_bytes(api):
    make_advisor()
    plain = api.get(URL).content

    zipped = api.get(URL, HTTP_ACCEPT_ENCODING="gzip")

    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain


def test_an_advisor_change_stales_every_stored_response(api, django_capture_on_commit_callbacks):
    advisor = make_advisor(headline="Before")
    api.get(f"{URL}{advisor.id}/")
    api.get(URL)

    with django_capture_on_commit_callbacks(execute=True):
        advisor.headline = "After"
        advisor.save()

    assert api.get(f"{URL}{advisor.id}/").json()["headline"] == "After"
    assert api.get(URL).json()["results"][0]["headline"] == "After"
    assert _edge_hits() == 0


def test_signed_in_visitors_and_browsers_take_the_normal_path(api, firm_a):
    from django.test import Client

    from tests.conftest import sign_in

    advisor = make_advisor()
    api.get(f"{URL}{advisor.id}/")  # stored for anonymous JSON readers
    signed_in = sign_in(Client(HTTP_HOST="localhost"), firm_a.user(Role.OWNER))

    assert signed_in.get(f"{URL}{advisor.id}/").status_code == 200
    browser = api.get(f"{URL}{advisor.id}/", HTTP_ACCEPT="text/html,*/*")
    assert browser["Content-Type"].startswith("text/html")
    with_key = api.get(f"{URL}{advisor.id}/", HTTP_AUTHORIZATION="Api-Key nope")
    assert with_key.status_code == 401
    assert _edge_hits() == 0


def test_edge_hits_count_against_the_anonymous_throttle(api):
    from rest_framework.throttling import SimpleRateThrottle

    make_advisor()
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "anon": "3/minute"}
    try:
        statuses = [api.get(URL).status_code for _ in range(4)]
        last = api.get(URL)
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    # The first request (a miss) was counted once, not by both the edge and DRF.
    assert statuses == [200, 200, 200, 429]
    assert last.status_code == 429 and int(last["Retry-After"]) >= 1
    assert "throttled" in last.json()["detail"]


def test_invented_query_parameters_make_no_new_entries(api):
    make_advisor()
    api.get(URL)

    for index in range(5):
        assert api.get(URL, {"utm_campaign": f"c{index}"}).status_code == 200

    assert cache_stats()["edge"]["lookups"] == 1  # only the plain request looked there
    assert cache_stats()["search_api"] == {"lookups": 6, "hits": 5, "hit_ratio": 0.8333}


def test_a_lost_version_never_revives_old_answers(api):
    from django.core.cache import caches

    advisor = make_advisor(headline="Before")
    api.get(f"{URL}{advisor.id}/")
    type(advisor).objects.filter(pk=advisor.pk).update(headline="After")  # no signal
    caches["public"].delete("tag:marketplace:advisors")  # evicted

    assert api.get(f"{URL}{advisor.id}/").json()["headline"] == "After"
