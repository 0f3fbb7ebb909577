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


def _client_with_identifiers(world) -> dict:
    from django_tenants.utils import schema_context

    from apps.portal.identifiers import client_identifiers_set
    from tests.portal.factories import make_client

    with schema_context(world.firm.schema_name):
        client = client_identifiers_set(client=make_client(), ssn="123-45-6789")
    return {"client_id": client.pk, "field": "ssn"}


def _user_session(world) -> dict:
    """(The route is on the public site too, where the suite has no firm: any id.)"""
    import secrets

    if world is None:
        return {}

    from django.utils import timezone

    from apps.security.models import UserSession

    session = UserSession.objects.create(
        user=world.user(Role.BOOKKEEPER), firm=world.firm, session_key=secrets.token_hex(16),
        last_seen_at=timezone.now())
    return {"session_id": session.pk}


SECURITY_SAMPLES = {
    "staff:client_identifiers": _client_with_identifiers,
    "staff:client_identifier_reveal": _client_with_identifiers,
    "firm_security:member_unlock": _member,
    "firm_security:api_key_revoke": _api_key,
    "security:session_revoke": _user_session,
}
