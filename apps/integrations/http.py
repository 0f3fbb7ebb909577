"""One pooled HTTP client per process for every outgoing call of the integrations.

A fresh `httpx.post` builds a client and an SSL context each time (measured: 180-360 ms
per call on this machine under load, most of a webhook delivery); one shared client keeps
connections and the context. httpx clients are safe to share between threads.
"""

from __future__ import annotations

import functools

import httpx


@functools.cache
def http_client() -> httpx.Client:
    return httpx.Client(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                        follow_redirects=False, timeout=httpx.Timeout(30))
