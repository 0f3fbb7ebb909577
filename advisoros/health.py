"""`/health/`: is each part this process depends on answering? JSON, 503 when one is not.

Load balancers and orchestrators call this every few seconds with a short deadline, so a
dependency that is down must make the answer *fast* (a 503 within a few hundred
milliseconds), not slow: every probe uses its own short socket timeouts and no retries,
instead of the application's connection pools (2 s timeouts, retries with back-off).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

# Seconds. Local Redis answers a PING in well under a millisecond; these bound a server
# that is gone (refused at once) or black-holed (no answer at all).
PROBE_CONNECT_TIMEOUT = 0.1
PROBE_READ_TIMEOUT = 0.1


def _probe_client(url: str) -> redis.Redis:
    """A one-off client for `url` (redis://, rediss://, unix://, or Celery's
    redis+socket://) with short timeouts and no retries."""
    options = {"socket_connect_timeout": PROBE_CONNECT_TIMEOUT,
               "socket_timeout": PROBE_READ_TIMEOUT, "retry_on_timeout": False,
               "retry": None, "single_connection_client": True}
    if url.startswith("redis+socket://"):
        parts = urlsplit(url)
        db = int(parse_qs(parts.query).get("virtual_host", ["0"])[0] or 0)
        return redis.Redis(unix_socket_path=parts.path, db=db, **options)
    return redis.Redis.from_url(url, **options)


def _ping(url: str) -> None:
    client = _probe_client(url)
    try:
        client.ping()
    finally:
        client.close()


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis() -> None:
    for alias in ("default", "public"):
        if settings.REDIS_SENTINELS:
            # The master is wherever the sentinels say it is now.
            from django_redis import get_redis_connection

            get_redis_connection(alias).ping()
        else:
            _ping(settings.CACHES[alias]["LOCATION"])


def _check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "redis+socket://", "unix://")):
        _ping(url)
        return
    from advisoros.celery import app as celery_app

    # Another transport (Sentinel, AMQP): one attempt, no retry loop.
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=PROBE_CONNECT_TIMEOUT * 3)


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "redis": _check_redis,
    "broker": _check_broker,
}


def run_checks() -> tuple[bool, dict[str, dict]]:
    results: dict[str, dict] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            healthy = False
            results[name] = {"status": "down", "error": type(exc).__name__}
        else:
            results[name] = {"status": "up"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 2)
    return healthy, results


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    healthy, results = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": results},
        status=200 if healthy else 503,
    )
