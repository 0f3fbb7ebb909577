"""Whole read-only portal pages, per user, kept with the client's cached sections.

Rendering the page frame (header, navigation, tabs) is what a warm portal page still
spends most of its time on once the lists come from the section cache. The frame differs
per user, so the finished page is stored per user, in the client's TokenCache scope
(apps/portal/content_cache.py): a change to the kinds of rows it shows stales it with
the sections. Everything else the page shows is part of its key:

- the path (first page only, no other query: other pages render live),
- the user (id, short name, role), the firm's name, the clients in the switcher,
- what the view adds (the dashboard figures' computation time),
- the date and time zone (added by `cached_section`).

Two things are never stored: the CSRF token (the page is stored with a placeholder and a
freshly masked token goes in on every answer) and flash messages (a request with one
waiting renders the page the normal way, which shows and consumes it).

A view adding a context value that is not in this key must add it to `vary`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from apps.accounts.access import request_role
from apps.portal.content_cache import KINDS, cached_section

# Never a valid token (tokens are 64 alphanumeric characters), so nothing else matches.
CSRF_PLACEHOLDER = "csrf-token-set-per-response"
_CACHEABLE_QUERIES = ("", "page=1")


def _messages_waiting(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    return bool(getattr(storage, "_queued_messages", None)
                or CookieStorage.cookie_name in request.COOKIES
                or SessionStorage.session_key in request.session)


def cached_page(request: HttpRequest, client_id: int,
                render_page: Callable[[dict], HttpResponse],
                vary: Iterable[object] = (), kinds: Iterable[str] = KINDS) -> HttpResponse:
    """`render_page(extra_context)` renders the page; it runs only on a miss (or when the
    page is not cacheable), with the CSRF placeholder as `csrf_token` when stored.
    `kinds`: the kinds of the client's rows the page shows (content_cache.KINDS)."""
    if (request.method != "GET" or request.META.get("QUERY_STRING", "") not in
            _CACHEABLE_QUERIES or _messages_waiting(request)):
        return render_page({})
    user = request.user
    key = (request.path, user.pk, user.get_short_name(), request_role(request),
           request.firm.name,
           tuple((c["id"], c["business_name"]) for c in request.portal_clients), *vary)

    def render_for_cache() -> str:
        return render_page({"csrf_token": CSRF_PLACEHOLDER}).content.decode()

    html = cached_section(client_id, "page", key, render_for_cache, kinds=kinds)
    # The whole attribute: escaped user content can hold the word, never a raw quote.
    return HttpResponse(html.replace(f'value="{CSRF_PLACEHOLDER}"',
                                     f'value="{get_token(request)}"'))
