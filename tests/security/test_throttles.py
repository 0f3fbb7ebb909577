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


@pytest.mark.parametrize(("rate", "earlier", "now_offset"), [
    ("1/minute", 0, 20),     # this window alone is full
    ("10/minute", 10, 15),   # full because of the last window's share
    ("5/minute", 3, 50),
])
def test_retry_after_is_when_a_request_fits_again(rate, earlier, now_offset):
    address = f"10.0.1.{earlier}{now_offset}"
    start = 6_000_300.0
    for i in range(earlier):  # requests late in the previous window
        assert _allowed(rate, start - 5 + i / 100, address)
    now = start + now_offset
    while _allowed(rate, now, address):
        now += 0.001
    throttle = _throttle(rate, now)
    assert not throttle.allow_request(_anonymous_request(address), None)
    wait = throttle.wait()

    assert not _allowed(rate, now + wait - 2, address)  # refused tries do not count...
    assert _allowed(rate, now + wait, address)  # ...and after Retry-After one fits


def test_refused_requests_do_not_count():
    address, start = "10.0.0.9", 6_000_420.0
    assert [_allowed("2/minute", start + i, address) for i in range(50)] == \
        [True, True] + [False] * 48

    # In the next window only the two allowed requests weigh on the estimate.
    assert _allowed("2/minute", start + 60 + 31, address)


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
