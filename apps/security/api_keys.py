"""Per-firm API keys for integrators: creation (secret shown once), revocation, and the
DRF authentication that accepts them."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from advisoros.cache_tags import TaggedCache
from apps.accounts.access import firm_role_get
from apps.accounts.roles import Perm, permissions_for_role
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.security.models import ApiKey

KEY_PREFIX = "aos"
MAX_LIFETIME_DAYS = 366
_LAST_USED_RESOLUTION = timedelta(minutes=1)
_PREFIX_SHAPE = re.compile(r"[0-9a-f]{12}")
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _secret_hash(secret: str) -> str:
    # The secret is 256 random bits: a plain SHA-256 is enough (no password stretching).
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKeyCreated:
    key: ApiKey
    plaintext: str  # shown once, never stored


@transaction.atomic
def api_key_create(*, firm, created_by, name: str, scopes: list[str], expires_in_days: int,
                   request=None) -> ApiKeyCreated:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        errors["name"] = ["Give the key a name of 1-100 characters."]
    unknown = sorted(set(scopes) - set(Perm.values))
    creator_perms = permissions_for_role(firm_role_get(user_id=created_by.pk, firm_id=firm.pk))
    if unknown:
        errors["scopes"] = [f"Unknown permissions: {', '.join(unknown)}."]
    elif not scopes:
        errors["scopes"] = ["Choose at least one permission."]
    elif not set(scopes) <= creator_perms:
        errors["scopes"] = ["A key cannot have permissions you do not have: "
                            + ", ".join(sorted(set(scopes) - creator_perms)) + "."]
    if not isinstance(expires_in_days, int) or not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
        errors["expires_in_days"] = [f"Between 1 and {MAX_LIFETIME_DAYS} days."]
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        firm=firm, name=name, prefix=prefix, secret_hash=_secret_hash(secret),
        scopes=sorted(set(scopes)), created_by=created_by,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    audit_record(action=AuditAction.API_KEY_CREATED, request=request, actor=created_by,
                 target=key, details={"name": name, "scopes": key.scopes})
    return ApiKeyCreated(key=key, plaintext=f"{KEY_PREFIX}_{prefix}_{secret}")


@transaction.atomic
def api_key_revoke(*, key: ApiKey, by, request=None) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(action=AuditAction.API_KEY_REVOKED, request=request, actor=by, target=key)
    return key


@transaction.atomic
def api_keys_revoke_of_member(*, firm_id: int, user_id: int, by=None, reason: str
                              ) -> list[ApiKey]:
    """Revoke every live key `user_id` made in the firm, each audited in the firm's trail
    with `reason`. Membership services call it inside the transaction that ends the
    membership, so the keys stop working in the same commit."""
    from apps.accounts.services import audit_in_firm

    keys = list(ApiKey.objects.select_for_update()
                .filter(firm_id=firm_id, created_by_id=user_id, revoked_at__isnull=True))
    now = timezone.now()
    for key in keys:
        key.revoked_at = now
        key.save(update_fields=["revoked_at"])  # saved one by one: the signal invalidates
        audit_in_firm(firm_id, action=AuditAction.API_KEY_REVOKED, by=by, target=key,
                      details={"name": key.name, "reason": reason})
    return keys


# Keys by prefix, so an API request spends no query on its key: the key row, its scopes
# and revocation all come from Redis. Every save or delete of a key bumps its tag (inside
# the transaction and again after commit, apps/security/signals.py), so a revoked key is
# refused on its very next request. Unknown prefixes are not kept (anyone can invent
# them); what the owner may do is the role cache's business (access.api_key_permissions).
# Five minutes bound a revocation whose tag bump a Redis failure lost (logged).
KEYS = TaggedCache("apikey:v1", alias="public", entry_seconds=5 * 60)


def api_key_tag(prefix: str) -> str:
    return f"apikey:{prefix}"


def api_key_by_prefix(prefix: str) -> ApiKey | None:
    return KEYS.get(prefix, lambda: ApiKey.objects.filter(prefix=prefix).first(),
                    tags=[api_key_tag(prefix)], keep_none=False)


def api_key_changed(*, key: ApiKey) -> None:
    """Inside the writing transaction: the key is read from the database again."""
    KEYS.invalidate(api_key_tag(key.prefix))


# When this process last wrote each key's last_used_at: the cached row keeps the value it
# was cached with, so without this every request of a busy key would write it again.
_last_used_written: dict[int, datetime] = {}


def _last_used_record(key: ApiKey, now: datetime) -> None:
    last = max(filter(None, (key.last_used_at, _last_used_written.get(key.pk))), default=None)
    if last is not None and now - last <= _LAST_USED_RESOLUTION:
        return
    if len(_last_used_written) > 10_000:
        _last_used_written.clear()
    _last_used_written[key.pk] = now
    # A queryset update sends no signal: last use is not worth staling the cached key.
    # Named database: a bookkeeping stamp must not count as the request's own write, which
    # would send the rest of a GET's reads to the primary (advisoros/db_replicas.py).
    ApiKey.objects.using(DEFAULT_DB_ALIAS).filter(pk=key.pk).update(last_used_at=now)


class ApiKeyPrincipal:
    """Stands in for request.user when a request authenticates with an API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    pk = None
    id = None

    def __init__(self, key: ApiKey):
        self.key = key
        self.email = f"api-key:{key.prefix}"

    def __str__(self) -> str:
        return self.email


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key aos_<prefix>_<secret>`; valid only at the key's firm host."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(f"{self.keyword} "):
            return None
        parts = header[len(self.keyword) + 1:].strip().split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or not _PREFIX_SHAPE.fullmatch(parts[1]) \
                or not _SECRET_SHAPE.fullmatch(parts[2]):
            raise exceptions.AuthenticationFailed("Malformed API key.")
        _, prefix, secret = parts
        key = api_key_by_prefix(prefix)
        firm = getattr(request, "firm", None)
        if key is None or not hmac.compare_digest(key.secret_hash, _secret_hash(secret)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if firm is None or key.firm_id != firm.pk:
            raise exceptions.AuthenticationFailed("This key belongs to another firm.")
        now = timezone.now()
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key was revoked.")
        if key.expires_at <= now:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        role = firm_role_get(user_id=key.created_by_id, firm_id=key.firm_id) \
            if key.created_by_id is not None else None
        if role is None:
            # A key acts for its owner: it ends with the owner's membership (what the
            # owner's current role still allows is cut in access.api_key_permissions).
            raise exceptions.AuthenticationFailed(
                "This API key's owner is no longer an active member of this firm.")
        # The permission check of this same request reads the role from here, not from
        # the cache a second time (access._role_for keeps the same memo for sessions).
        request._request._firm_role_memo = ((key.created_by_id, key.firm_id), role)
        _last_used_record(key, now)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request) -> str:
        return self.keyword
