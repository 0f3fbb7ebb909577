"""One Redis round trip for what a request's authentication reads from the cache.

Routing reads the firm's host tag, a browser request its session, user row and role, an
API request its key and its owner's role: four (three) round trips on every request, a
third of a warm request's Redis time. The keys of all of them follow from the request
itself once a few facts are known that never change: which firm a host routes to, which
user a session key belongs to (Django gives a session a new key when someone else signs
in with it), which firm and owner a key prefix has. Each web process remembers those
facts from the requests it served, and at the start of the next request fetches every
entry and tag version in one MGET (advisoros/cache_prefetch.py). The checks themselves
are unchanged: each reads its entry and its tag versions as before, only from the values
fetched moments earlier in the same request, so a revoked key, a removed role, a locked
user or a signed-out session is refused on the very next request as before. A fact
remembered wrongly only means a prefetched value nobody reads.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

from advisoros import cache_prefetch
from advisoros.cache_tags import tag_key
from advisoros.middleware import is_public_host

# Where firm hosts, sessions, users, roles and keys are cached: one alias, one MGET.
_ALIAS = "public"
_REMEMBERED = 50_000  # facts per kind kept by a process (then it starts over)
_firm_of_host: dict[str, int] = {}
_user_of_session: dict[str, int] = {}
_key_owner: dict[str, tuple[int, int | None]] = {}  # prefix -> (firm id, owner id)


def _remember(facts: dict, key, value) -> None:
    if len(facts) >= _REMEMBERED:
        facts.clear()
    facts[key] = value


def _role_keys(firm_id: int, user_id: int) -> list[str]:
    from apps.accounts.access import ROLES, user_access_tag

    return [tag_key(user_access_tag(user_id)),
            ROLES.entry_key(f"firm:{firm_id}:user:{user_id}")]


def _keys_to_prefetch(request: HttpRequest, hostname: str) -> list[str]:
    from apps.accounts.backends import USERS
    from apps.firms.selectors import firm_host_tag
    from apps.security.api_keys import KEY_PREFIX, KEYS, api_key_tag

    if is_public_host(hostname):
        return []
    keys = [tag_key(firm_host_tag(hostname))]
    firm_id = _firm_of_host.get(hostname)
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization.startswith(f"Api-Key {KEY_PREFIX}_"):
        prefix = authorization[len(f"Api-Key {KEY_PREFIX}_"):].split("_", 1)[0]
        keys += [tag_key(api_key_tag(prefix)), KEYS.entry_key(prefix)]
        firm_id, owner_id = _key_owner.get(prefix, (None, None))
        if firm_id is not None and owner_id is not None:
            keys += _role_keys(firm_id, owner_id)
        return keys
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session_key and settings.SESSION_CACHE_ALIAS == _ALIAS:
        from apps.security.session_store import SessionStore

        keys.append(SessionStore.cache_key_prefix + session_key)
        user_id = _user_of_session.get(session_key)
        if user_id is not None:
            keys += [tag_key(USERS.scope_tag(user_id)), USERS.entry_key(f"{user_id}:row")]
            if firm_id is not None:
                keys += _role_keys(firm_id, user_id)
    return keys


def _remember_facts(request: HttpRequest, hostname: str) -> None:
    from apps.security.models import ApiKey

    firm = getattr(request, "firm", None)
    if firm is not None:
        _remember(_firm_of_host, hostname, firm.pk)
    key = getattr(request, "auth", None)
    if isinstance(key, ApiKey):
        _remember(_key_owner, key.prefix, (key.firm_id, key.created_by_id))
        return
    session = getattr(request, "session", None)
    user = request.__dict__.get("user")
    session_key = getattr(session, "session_key", None) if session is not None else None
    if session_key and user is not None and getattr(user, "is_authenticated", False) \
            and getattr(user, "pk", None) is not None:
        _remember(_user_of_session, session_key, user.pk)


class AuthPrefetchMiddleware:
    """Before routing: fetch what this request's routing and authentication will read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            hostname = request.get_host().split(":")[0].lower()
        except DisallowedHost:
            return self.get_response(request)
        cache_prefetch.prefetch(_ALIAS, _keys_to_prefetch(request, hostname))
        try:
            response = self.get_response(request)
            _remember_facts(request, hostname)
            return response
        finally:
            cache_prefetch.clear()
