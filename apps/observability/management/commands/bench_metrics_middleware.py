"""Cost of the request-metrics middleware: the same request with and without it.

Two measurements, interleaved in rounds so drift on a shared machine hits both sides:

1. isolated: a view that runs 2 queries and 2 cache lookups, called directly vs through
   RequestMetricsMiddleware (route, firm, query observer, cache counting, buffering);
   also vs the naive variant that writes to Redis on every request (flush interval 0);
2. full stack: Django's WSGI handler serving GET /accounts/sign-in/ with the project's
   middleware list, with and without RequestMetricsMiddleware.

Budget: < 0.2 ms per request (p50 difference, and mean difference).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from io import BytesIO

from django.conf import settings
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import resolve

from advisoros.bench import Timing
from apps.observability.middleware import RequestMetricsMiddleware
from apps.observability.store import BUFFER

MIDDLEWARE_PATH = "apps.observability.middleware.RequestMetricsMiddleware"
BUDGET_MS = 0.2


def _view(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute("SELECT 2")
    cache = caches["public"]
    cache.get("bench:hit")
    cache.get("bench:miss")
    return HttpResponse("ok")


def _interleaved(sides: dict[str, Callable[[], object]], runs: int, rounds: int,
                 progress: Callable[[str], None]) -> dict[str, Timing]:
    samples: dict[str, list[float]] = {label: [] for label in sides}
    per_round = max(1, runs // rounds)
    for r in range(rounds):
        for label, action in sides.items():
            for _ in range(per_round):
                started = time.perf_counter()
                action()
                samples[label].append((time.perf_counter() - started) * 1000)
        progress(f"  round {r + 1}/{rounds}")
    return {label: Timing(label, values) for label, values in samples.items()}


def _diff_line(base: Timing, other: Timing) -> str:
    p50 = other.p50 - base.p50
    mean = statistics.fmean(other.samples_ms) - statistics.fmean(base.samples_ms)
    verdict = "within" if max(p50, mean) < BUDGET_MS else "OVER"
    return (f"cost of {other.label!r}: p50 +{p50:.3f} ms, mean +{mean:.3f} ms "
            f"({verdict} the {BUDGET_MS} ms budget)")


class Command(BaseCommand):
    help = "Measure the request-metrics middleware's cost per request (budget 0.2 ms)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=4000)
        parser.add_argument("--rounds", type=int, default=20)

    def handle(self, *args, runs: int, rounds: int, **options) -> None:
        if runs < rounds or rounds < 1:
            self.stderr.write("--runs must be at least --rounds, and --rounds at least 1")
            return
        out = self.stdout.write
        caches["public"].set("bench:hit", "x", 600)
        factory = RequestFactory(HTTP_HOST=settings.BASE_DOMAIN)
        match = resolve("/health/", urlconf=settings.PUBLIC_SCHEMA_URLCONF)

        def request():
            req = factory.get("/health/")
            req.resolver_match = match
            req.firm = None
            return req

        middleware = RequestMetricsMiddleware(_view)

        def through_middleware():
            req = request()
            return middleware(req)

        def through_middleware_naive():
            with override_settings(OBSERVABILITY_FLUSH_SECONDS=0):
                return middleware(request())

        out(f"isolated: {runs} requests per side, 2 queries + 2 cache lookups each")
        isolated = _interleaved({
            "view alone": lambda: _view(request()),
            "with middleware (buffered)": through_middleware,
            "with middleware, Redis write per request (naive)": through_middleware_naive,
        }, runs, rounds, out)
        BUFFER.flush()
        for timing in isolated.values():
            out(timing.row())
        base = isolated["view alone"]
        out(_diff_line(base, isolated["with middleware (buffered)"]))
        out(_diff_line(base, isolated["with middleware, Redis write per request (naive)"]))
        buffered = isolated["with middleware (buffered)"].p50 - base.p50
        naive = isolated["with middleware, Redis write per request (naive)"].p50 - base.p50
        if buffered > 0:
            out(f"ratio naive/optimised (middleware cost at p50): {naive / buffered:.1f}x")

        out(f"\nfull stack: GET /accounts/sign-in/ through Django's WSGI handler, {runs} "
            "per side")
        stacks = {}
        with_list = list(settings.MIDDLEWARE)
        without_list = [m for m in with_list if m != MIDDLEWARE_PATH]
        for label, mw in (("stack without metrics", without_list),
                          ("stack with metrics", with_list)):
            with override_settings(MIDDLEWARE=mw):
                stacks[label] = WSGIHandler()

        def call(handler: WSGIHandler) -> Callable[[], object]:
            def run():
                environ = {
                    "REQUEST_METHOD": "GET", "PATH_INFO": "/accounts/sign-in/",
                    "SERVER_NAME": settings.BASE_DOMAIN, "SERVER_PORT": "80",
                    "HTTP_HOST": settings.BASE_DOMAIN, "wsgi.input": BytesIO(b""),
                    "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1",
                }
                response = handler(environ, lambda status, headers: None)
                b"".join(response)
                response.close()
            return run

        full = _interleaved({label: call(h) for label, h in stacks.items()}, runs, rounds, out)
        BUFFER.flush()
        for timing in full.values():
            out(timing.row())
        out(_diff_line(full["stack without metrics"], full["stack with metrics"]))
