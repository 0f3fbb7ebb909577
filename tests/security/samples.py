"""Real objects of a firm for the isolation suite's security routes."""

from __future__ import annotations

from apps.accounts.roles import Perm, Role
from apps.security.api_keys import api_key_create


def _member(world) -> dict:
    return {"user_id": world.user(Role.BOOKKEEPER).pk}


def _api_key(world) -> dict:
    created = api_key_create(firm=world.firm, created_by=world.user(Role.OWNER),
                             name="Isolation sample", scopes=[Perm.CLIENTS_VIEW],
                             expires_in_days=1)
    return {"key_id": created.key.pk}


SECURITY_SAMPLES = {
    "firm_security:member_unlock": _member,
    "firm_security:api_key_revoke": _api_key,
}
