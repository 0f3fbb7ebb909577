"""Authentication backend: Django's ModelBackend, with the user row of every signed-in
request read from Redis instead of PostgreSQL.

AuthenticationMiddleware loads the session's user on every request; that query is the
one database round trip every page shares. The row is cached per user in a TokenCache
(advisoros/token_cache.py) whose token is replaced (at once and after commit) whenever
the user is saved or deleted (apps/accounts/signals.py), so a locked, deactivated or
re-passworded account takes effect on its very next request, as before. Passwords are
still checked against the database: only `get_user` reads the cache. The row carries the
ids of the user's confirmed MFA devices too (apps/security/mfa_devices.py).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from advisoros.token_cache import TokenCache
from apps.accounts.models import User

# Short-lived: if Redis ever loses an invalidation (logged), a lock or a new password
# still applies within a minute.
USERS = TokenCache("auth:user", alias="public", entry_seconds=60)


def _user_row(user_id: int) -> User | None:
    user = User._default_manager.filter(pk=user_id).first()
    if user is not None:
        # Cached with the row, so checking a session's MFA device costs no query
        # (apps/security/mfa_devices.py; device changes bump this cache).
        from apps.security.mfa_devices import (
            DEVICE_IDS_ATTRIBUTE,
            confirmed_device_ids_from_database,
        )

        setattr(user, DEVICE_IDS_ATTRIBUTE, confirmed_device_ids_from_database(user_id))
    return user


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id) -> User | None:
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = USERS.get(user_id, "row", lambda: _user_row(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None


def user_cache_forget(user_id: int) -> None:
    """Inside the writing transaction: the user's next request reads the database."""
    USERS.invalidate(user_id)
