"""The one function that decides access, and the cached role lookup under it.

`has_permission(user, firm, perm)` answers from the user's role in the firm. The role is
read from Redis (the "public" cache alias) through the project's tagged cache
(advisoros/cache_tags.py), so a warm check runs no query. Every role entry of a user
carries the tag `access:user:<id>`, bumped inside the transaction that changes one of the
user's memberships or the user (apps/accounts/signals.py) and again after it commits:
a request that read the old membership before the commit cannot cache it past the
commit (issue 12, item 9). A request also memoises the role, so several checks in one
request cost one Redis read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from advisoros.cache_tags import TaggedCache
from apps.accounts.roles import Perm, Role, is_client_role, permissions_for_role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from apps.firms.models import Firm

# Cached for a user without an active membership, so denials are cheap too.
_NO_ROLE = ""

# Each read passes settings.PERMISSION_CACHE_SECONDS as the lifetime.
ROLES = TaggedCache("acl:v2", alias="public", entry_seconds=5 * 60)


def user_access_tag(user_id: int) -> str:
    """Carried by every cached decision about this user's access (roles, their keys)."""
    return f"access:user:{user_id}"


def _role_from_database(user_id: int, firm_id: int) -> str:
    from apps.accounts.models import Membership

    return (
        Membership.objects.filter(user_id=user_id, firm_id=firm_id, is_active=True,
                                  user__is_active=True)
        .values_list("role", flat=True)
        .first()
    ) or _NO_ROLE


def firm_role_get(*, user_id: int, firm_id: int) -> str | None:
    """The user's active role in the firm, or None."""
    role = ROLES.get(f"firm:{firm_id}:user:{user_id}",
                     lambda: _role_from_database(user_id, firm_id),
                     tags=[user_access_tag(user_id)],
                     timeout=settings.PERMISSION_CACHE_SECONDS)
    return role or None


def user_access_changed(*, user_id: int) -> None:
    """Call inside the transaction that changes the user's memberships or account: their
    cached roles (in every firm) go stale now and again at commit."""
    ROLES.invalidate(user_access_tag(user_id))


def _role_for(user, firm: Firm | None, request: HttpRequest | None) -> str | None:
    if firm is None or user is None or not user.is_authenticated or not user.is_active:
        return None
    if request is not None and getattr(request, "portal_preview", None):
        # Staff previewing the portal (apps/portal/preview.py, which checked their own
        # role): /portal/ pages answer as a member of the previewed client, read-only.
        return Role.CLIENT_MEMBER
    memo = getattr(request, "_firm_role_memo", None) if request is not None else None
    if memo is not None and memo[0] == (user.pk, firm.pk):
        return memo[1]
    role = firm_role_get(user_id=user.pk, firm_id=firm.pk)
    if request is not None:
        request._firm_role_memo = ((user.pk, firm.pk), role)
    return role


def has_permission(user, firm: Firm | None, perm: Perm | str,
                   request: HttpRequest | None = None) -> bool:
    """True when `user` holds `perm` in `firm`. Deny by default: no firm, an anonymous or
    inactive user, no active membership, or an unknown permission all answer False."""
    return perm in permissions_for_role(_role_for(user, firm, request))


def request_role(request: HttpRequest) -> str | None:
    """The signed-in user's role in the firm this request is for."""
    return _role_for(getattr(request, "user", None), getattr(request, "firm", None), request)


def request_has_permission(request: HttpRequest, perm: Perm | str) -> bool:
    """The request's principal holds `perm` in the request's firm: a signed-in user by
    their role, or an API key by its scopes (keys work only at their own firm)."""
    firm = getattr(request, "firm", None)
    key = _request_api_key(request)
    if key is not None:
        return firm is not None and key.firm_id == firm.pk and \
            perm in api_key_permissions(key, request=request)
    return has_permission(getattr(request, "user", None), firm, perm, request=request)


def api_key_permissions(key, request: HttpRequest | None = None) -> frozenset[str]:
    """What a key may do now: its scopes, cut down to what its owner's CURRENT role in the
    key's firm allows. A key never does more than the person who made it still may: an
    owner who leaves (or is deleted: created_by is then empty) leaves keys that can do
    nothing, and a role that shrinks shrinks every key its holder made."""
    if key.created_by_id is None:
        return frozenset()
    # Within one request the owner's role was read by the key's authentication.
    memo = getattr(request, "_firm_role_memo", None) if request is not None else None
    if memo is not None and memo[0] == (key.created_by_id, key.firm_id):
        role = memo[1]
    else:
        role = firm_role_get(user_id=key.created_by_id, firm_id=key.firm_id)
    return frozenset(key.scopes) & permissions_for_role(role)


def _request_api_key(request: HttpRequest):
    from apps.security.models import ApiKey

    auth = getattr(request, "auth", None)  # set by DRF authentication
    return auth if isinstance(auth, ApiKey) else None


def access_denied_record(request: HttpRequest, perm: Perm | str) -> None:
    """Every refusal is audited in the trail of the firm (or platform) it happened in."""
    from apps.audit.models import AuditAction
    from apps.audit.services import audit_record

    audit_record(action=AuditAction.PERMISSION_DENIED, request=request,
                 details={"permission": str(perm), "path": request.path[:200],
                          "method": request.method})


def request_is_client_user(request: HttpRequest) -> bool:
    return is_client_role(request_role(request))
