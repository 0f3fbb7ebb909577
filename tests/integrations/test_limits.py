"""The shared limiter, judged by the fake QuickBooks server's own counters: never more
requests per minute or at once than allowed, and 429s with Retry-After honoured."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.integrations.quickbooks.client import QuickBooksApi
from apps.integrations.quickbooks.limiter import RateLimitTimeout, quickbooks_slot
from tests.integrations.conftest import authorize, new_realm, stats

pytestmark = pytest.mark.django_db


def api_for(qbo, realm: str) -> QuickBooksApi:
    from apps.integrations.quickbooks import tokens

    answer = authorize(qbo, realm, "http://localhost/cb", "s")
    token_set = tokens.code_exchange(code=answer["code"], redirect_uri="http://localhost/cb")
    return QuickBooksApi(realm_id=realm, access_token=token_set.access_token)


def test_concurrency_and_rate_stay_under_the_limits(qbo, settings):
    settings.QUICKBOOKS_PER_MINUTE = 40
    settings.QUICKBOOKS_CONCURRENT = 4
    settings.QUICKBOOKS_SLOT_WAIT_SECONDS = 2
    realm = new_realm(qbo, transactions=50)
    api = api_for(qbo, realm)
    qbo.latency = 0.05

    def request(_):
        try:
            api.query("Account", start=1, max_results=10)
            return "ok"
        except RateLimitTimeout:
            return "no slot"

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(request, range(60)))

    seen = stats(qbo, realm)
    assert outcomes.count("ok") == 40 and outcomes.count("no slot") == 20
    assert seen["requests"] == 40 and seen["throttled"] == 0
    assert seen["max_in_flight"] <= 4 and seen["max_per_minute"] == 40


def test_throttling_by_quickbooks_is_retried_after_retry_after(qbo, settings):
    # Our limiter set above QuickBooks' own 10 at once: QuickBooks answers 429.
    settings.QUICKBOOKS_CONCURRENT = 30
    settings.QUICKBOOKS_PER_MINUTE = 1000
    realm = new_realm(qbo, transactions=50)
    api = api_for(qbo, realm)
    qbo.latency = 1.0
    start = threading.Barrier(24)

    def page(_):
        start.wait(timeout=30)  # all at once, even on a busy machine
        return api.query("Account", start=1, max_results=5)

    with ThreadPoolExecutor(24) as pool:
        pages = list(pool.map(page, range(24)))

    assert all(len(page) == 5 for page in pages)
    assert stats(qbo, realm)["throttled"] > 0


def test_the_platform_cap_is_shared_by_every_company(qbo, settings):
    settings.QUICKBOOKS_GLOBAL_PER_MINUTE = 5
    realms = [new_realm(qbo, transactions=10) for _ in range(3)]
    taken = 0
    for realm in realms:
        for _ in range(3):
            try:
                with quickbooks_slot(realm, max_wait=0.5):
                    taken += 1
            except RateLimitTimeout:
                pass
    # Other tests' requests in the last minute count too: at most the cap, never more.
    assert taken <= 5
