"""Request metrics, request ids and query observation: the first middleware of the stack.

Per request it records (into the per-process buffer, see store.py) the route (the URL
pattern, not the raw path), the firm, the status, the latency bucket, the query count
and time, and cache hits/misses per namespace. It sets `request.request_id` (taken from
a sane incoming X-Request-ID, else new) and returns it in the X-Request-ID header.
Benchmark: `manage.py bench_metrics_middleware`.
"""

from __future__ import annotations

import logging
import os
import re
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

from apps.observability import context
from apps.observability.context import WorkStats
from apps.observability.queries import QueryObserver
from apps.observability.recording import record_request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
UNMATCHED = "<unmatched>"
STATIC = "<static>"

access_logger = logging.getLogger("advisoros.request")


def request_id_for(request: HttpRequest) -> str:
    """Keep the proxy's id when it looks like one (so logs join up across hops)."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if incoming and _SANE_ID.match(incoming):
        return incoming
    return os.urandom(16).hex()  # as unique as uuid4().hex, a few microseconds cheaper


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        # The pattern as a path ("/", "/api/v1/clients/<int:pk>/"): bounded, readable.
        return "/" + match.route
    if request.path_info.startswith(settings.STATIC_URL):
        return STATIC
    return UNMATCHED


def firm_of(request: HttpRequest) -> str:
    firm = getattr(request, "firm", None)
    return firm.slug if firm is not None else "public"


class RequestMetricsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.access_log = settings.OBSERVABILITY_ACCESS_LOG
        self.aliases = [DEFAULT_DB_ALIAS, *getattr(settings, "DATABASE_REPLICA_ALIASES", ())]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        stats = WorkStats(request_id=request_id_for(request), request=request)
        request.request_id = stats.request_id
        token = context.begin(stats)
        # The wrapper lists are pushed and popped by hand: connection.execute_wrapper() is
        # a generator-based context manager, measurably slower on this hot path. Read
        # replicas (advisoros/db_replicas.py) are observed like the primary.
        observer = QueryObserver(stats)
        wrapper_lists = [connections[alias].execute_wrappers for alias in self.aliases]
        for wrappers in wrapper_lists:
            wrappers.append(observer)
        try:
            try:
                response = self.get_response(request)
            finally:
                for wrappers in wrapper_lists:
                    wrappers.remove(observer)
            elapsed_ms = (time.perf_counter() - started) * 1000
            route = stats.route or route_of(request)
            firm = firm_of(request)
            record_request(route=route, firm=firm, status=response.status_code,
                           elapsed_ms=elapsed_ms, stats=stats)
            response[REQUEST_ID_HEADER] = stats.request_id
            if self.access_log:
                access_logger.info(
                    "%s %s %s", request.method, route, response.status_code,
                    extra={"method": request.method, "route": route,
                           "status": response.status_code,
                           "duration_ms": round(elapsed_ms, 2),
                           "db_queries": stats.db_queries,
                           "db_ms": round(stats.db_us / 1000, 2)})
        finally:
            context.end(token)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # Called after routing and URL resolution: from here on, slow-query log lines
        # and the JSON logs know the route and the firm.
        stats = context.current()
        if stats is not None:
            stats.route = route_of(request)
            stats.firm = firm_of(request)
        return None
