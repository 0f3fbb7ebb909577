"""Whole read-only portal pages, per user, kept with the client's cached sections.

Rendering the page frame (header, navigation, tabs) is what a warm portal page still
spends most of its time on once the lists come from the section cache. The finished page
is stored in the client's tagged scope (apps/portal/content_cache.py, on
advisoros/cache_tags.py): a change to the kinds of rows it shows stales it with the
sections.

The key is derived from what the page renders, and the page can render nothing else:

- the view passes its values as `inputs` (plain values or frozen dataclasses), and the
  sections it shows as `sections`, callables that render the client's rows of `kinds`
  (covered by the tags, and cached the same way);
- what the frame reads of the request (path, user's short name, firm, role and its
  permissions: what the context processors would add) is `page_frame(request)`, frozen
  values too;
- the stored page is rendered from exactly those values, without the request, so no
  context processor runs: a value the view did not pass is simply not on the page, in
  the cached answer and the live one alike (tests/portal/test_portal_cache.py renders both
  ways and compares them). The key is the frozen inputs and frame (pure_render.frozen),
  plus the date and time zone (added by `cached_section`).

Two things are never stored: the CSRF token (the page is stored with a placeholder and a
freshly masked token goes in on every answer) and flash messages (a request with one
waiting renders the page the normal way, which shows and consumes it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string

from advisoros.pure_render import frozen
from apps.accounts.access import request_role
from apps.accounts.roles import Role, permissions_for_role
from apps.portal.content_cache import KINDS, cached_section

# Never a valid token (tokens are 64 alphanumeric characters), so nothing else matches.
CSRF_PLACEHOLDER = "csrf-token-set-per-response"
_CACHEABLE_QUERIES = ("", "page=1")


@dataclass(frozen=True)
class FrameRequest:
    path: str


@dataclass(frozen=True)
class FrameUser:
    get_short_name: str
    is_authenticated: bool = True


@dataclass(frozen=True)
class FrameFirm:
    name: str
    time_zone: str = ""


def page_frame(request: HttpRequest) -> dict:
    """What the page frame (templates/base.html, partials/nav.html) reads of the request,
    as plain values: the same names the context processors give it."""
    role = request_role(request)
    return {
        "request": FrameRequest(request.path),
        "user": FrameUser(request.user.get_short_name()),
        "firm": FrameFirm(request.firm.name, request.firm.time_zone),
        "firm_role": role,
        "firm_role_label": Role(role).label if role else "",
        "firm_perms": tuple(sorted(permissions_for_role(role))),
        "base_domain": settings.BASE_DOMAIN,
        "messages": (),
        "csrf_token": CSRF_PLACEHOLDER,
        # The preview banner (apps/portal/preview.py): part of the frame, so of the key.
        "portal_preview": getattr(request, "portal_preview", None),
    }


def _messages_waiting(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    return bool(getattr(storage, "_queued_messages", None)
                or CookieStorage.cookie_name in request.COOKIES
                or SessionStorage.session_key in request.session)


def _rendered(sections: Mapping[str, Callable[[], str]]) -> dict:
    return {name: render_section() for name, render_section in sections.items()}


def cached_page(request: HttpRequest, client_id: int, template: str, inputs: dict,
                sections: Mapping[str, Callable[[], str]] | None = None,
                kinds: Iterable[str] = KINDS) -> HttpResponse:
    """The page `template` shows with `inputs` and `sections`. `kinds`: the kinds of the
    client's rows the sections show (content_cache.KINDS)."""
    sections = sections or {}
    if (request.method != "GET" or request.META.get("QUERY_STRING", "") not in
            _CACHEABLE_QUERIES or _messages_waiting(request)):
        return render(request, template, {**inputs, **_rendered(sections)})
    values = {**page_frame(request), **inputs}
    fingerprint = hashlib.sha1(repr(frozen(values)).encode(),
                               usedforsecurity=False).hexdigest()

    def render_for_cache() -> str:
        # No request: only `values` and the sections can reach the page.
        return render_to_string(template, {**values, **_rendered(sections)})

    html = cached_section(client_id, "page", (template, fingerprint), render_for_cache,
                          kinds=kinds)
    # The whole attribute: escaped user content can hold the word, never a raw quote.
    return HttpResponse(html.replace(f'value="{CSRF_PLACEHOLDER}"',
                                     f'value="{get_token(request)}"'))
