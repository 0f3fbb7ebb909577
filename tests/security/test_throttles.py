"""The sliding-window throttles: limits hold, windows slide, Redis trouble fails open."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.request import Request

from apps.security import throttles
from apps.security.throttles import AnonymousRateThrottle


def _throttle(rate: str, now: float) -> AnonymousRateThrottle:
    throttle = AnonymousRateThrottle()
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
    throttle.timer = lambda: now
    return throttle


def _anonymous_request(address: str) -> Request:
    from django.contrib.auth.models import AnonymousUser

    request = Request(RequestFactory().get("/api/v1/marketplace/advisors/",
                                           REMOTE_ADDR=address))
    request.user = AnonymousUser()
    return request


def _allowed(rate: str, now: float, address: str = "10.0.0.1") -> bool:
    return _throttle(rate, now).allow_request(_anonymous_request(address), None)


def test_the_rate_is_enforced_within_a_window():
    start = 6_000_000.0  # the start of a one-minute window
    results = [_allowed("5/minute", start + i) for i in range(7)]

    assert results == [True] * 5 + [False, False]


def test_each_address_has_its_own_counter():
    start = 6_000_060.0
    for i in range(3):
        assert _allowed("3/minute", start + i, "10.0.0.2")

    assert not _allowed("3/minute", start + 4, "10.0.0.2")
    assert _allowed("3/minute", start + 4, "10.0.0.3")


def test_the_previous_window_still_counts_in_proportion():
    start = 6_000_120.0
    for i in range(10):
        assert _allowed("10/minute", start + 50 + i / 10)
    # 15 s into the next window, 75 % of the last window's 10 requests still count (7.5):
    # two more fit under 10, the third does not.
    later = start + 60 + 15

    assert [_allowed("10/minute", later + i / 10) for i in range(3)] == [True, True, False]
    # Once the whole old window has slid by, the full rate is available again.
    assert all(_allowed("10/minute", start + 180 + i / 10) for i in range(10))


def test_retry_after_is_the_time_left_in_the_window():
    throttle = _throttle("1/minute", 6_000_180.0 + 20)
    request = _anonymous_request("10.0.0.4")
    assert throttle.allow_request(request, None)
    assert not throttle.allow_request(request, None)

    assert throttle.wait() == 40


def test_redis_trouble_lets_requests_through(monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refuse(alias):
        raise RedisConnectionError("down")

    monkeypatch.setattr(throttles, "get_redis_connection", refuse)

    assert _allowed("1/minute", 6_000_240.0)
    assert _allowed("1/minute", 6_000_240.0)


@pytest.mark.django_db
def test_anonymous_api_answers_429_with_retry_after(public_client, settings):
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "anon": "2/minute"}
    try:
        responses = [public_client.get("/api/v1/marketplace/advisors/") for _ in range(3)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    assert [r.status_code for r in responses] == [200, 200, 429]
    assert int(responses[-1]["Retry-After"]) >= 1
