"""A micro-cache in front of the public advisor API, for anonymous JSON reads.

The advisor list and profiles are the product's most-read responses, and the same for
every anonymous visitor. Production sites usually put such reads behind a CDN or a
proxy cache; this is that cache, inside the application so it needs no extra server and
obeys the marketplace's own invalidation:

- `PublicApiEdgeCacheMiddleware` sits before sessions, authentication and DRF. For an
  anonymous GET of the list or a profile that asks for JSON, one Redis round trip counts
  the request against the anonymous throttle (the same sliding window as the API's),
  reads the marketplace cache version and reads the stored response. A current entry
  goes out as stored, already gzip-compressed.
- Anything else (a signed-in visitor, an API key, the browsable API, a stale or missing
  entry) goes down the normal path. On a miss the API view stores its JSON here
  (`edge_store`), tagged with the version read before: any profile or review change
  bumps the version (apps/marketplace/cache.py) and so stales every stored response.

Entries are keyed by scheme, host and the full path with its query string as sent: the
body carries absolute `next` links.
"""

from __future__ import annotations

import gzip
import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import resolve
from django.utils.cache import patch_vary_headers
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled

from apps.marketplace.cache import (
    count_miss,
    params_key,
    queue_lookup,
    store_entry,
    unpack_lookup,
)
from apps.marketplace.params import SEARCH_PARAM_NAMES
from apps.security.throttles import AnonymousRateThrottle

logger = logging.getLogger(__name__)

KIND = "edge"
_PATHS = re.compile(r"^/api/v1/marketplace/advisors/(?:\d+/)?$")
# The browsable API answers browsers (text/html); only plain JSON clients are served here.
_JSON_ACCEPTS = {"", "*/*", "application/json"}


def edge_key(request: HttpRequest) -> str | None:
    """The cache key for `request`, or None when it is not an anonymous JSON read of the
    public advisor API."""
    if request.method != "GET" or getattr(request, "firm", True) is not None:
        return None
    if not _PATHS.match(request.path_info):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return None
    accept = request.META.get("HTTP_ACCEPT", "").split(";")[0].strip()
    if accept not in _JSON_ACCEPTS:
        return None
    # Only the list's own parameters: invented ones would each make a stored copy.
    if not set(request.GET) <= SEARCH_PARAM_NAMES:
        return None
    return params_key(KIND, {"url": f"{request.scheme}://{request.get_host()}"
                                    f"{request.get_full_path()}"})


def edge_store(request, body: bytes) -> None:
    """Called by the API view with the JSON it answered: kept for the next visitors when
    the middleware looked this request up and missed."""
    pending = getattr(request, "edge_pending", None)
    if pending is not None:
        key, version = pending
        store_entry(key, version, gzip.compress(body, compresslevel=6, mtime=0),
                    settings.MARKETPLACE_SEARCH_CACHE_SECONDS)


def _accepts_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")


def _cached_response(request: HttpRequest, compressed: bytes) -> HttpResponse:
    if _accepts_gzip(request):
        response = HttpResponse(compressed, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(compressed), content_type="application/json")
    # What DRF and the inner middleware would have added to the same answer.
    response["Allow"] = "GET, HEAD, OPTIONS"
    response["X-Frame-Options"] = "DENY"
    patch_vary_headers(response, ("Accept", "Accept-Encoding"))
    return response


def _throttled_response(throttle: AnonymousRateThrottle) -> JsonResponse:
    wait = int(throttle.wait())
    # DRF's own wording, as its throttle would have answered.
    response = JsonResponse({"detail": str(Throttled(wait).detail)}, status=429)
    response["Retry-After"] = str(wait)
    return response


class PublicApiEdgeCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = edge_key(request)
        if key is None:
            return self.get_response(request)
        throttle = AnonymousRateThrottle()
        throttle.key = throttle.address_key(request)
        try:
            pipe = get_redis_connection("public").pipeline(transaction=False)
            if throttle.rate is not None:
                throttle.queue(pipe)
            queue_lookup(pipe, KIND, key)
            results = pipe.execute()
        except RedisError:
            logger.warning("public API edge cache unreadable; serving the normal way")
            return self.get_response(request)
        if throttle.rate is not None:
            current, _, previous, *results = results
            if not throttle.decide(current, previous):
                return _throttled_response(throttle)
        # Counted once: DRF's anonymous throttle skips this request if it goes on.
        request.anonymous_throttle_counted = True
        version, payload = unpack_lookup(*results)
        if payload is None:
            count_miss(KIND)
            request.edge_pending = (key, version)
            return self.get_response(request)
        # The route for request metrics, as if the URL resolver had run.
        request.resolver_match = resolve(request.path_info, urlconf=request.urlconf)
        return _cached_response(request, payload)
