"""The people behind the seed 004 mix: many staff members with their own API keys (the
integrators) and signed-in browser sessions, client portal users, and the thousands of
clients they work on, so that no cache is warmer than it would be in life.

Idempotent: users, memberships and grants are reused; API key secrets are shown once by
design, so the plaintexts of the load-test keys are kept in a file next to the bench logs
and a key whose secret is not there (or that was revoked) is replaced by a new one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from apps.observability.harness.fixtures import _session_for

MIX_STAFF = 200  # staff members, each with an API key and a browser session
MIX_CLIENT_USERS = 100  # client portal users, each with a client of their own
MIX_CLIENTS = 5_000  # distinct clients the integrators read and write
KEY_NAME = "Load test integrator"
KEY_SCOPES = ["clients.view", "invoices.edit", "invoices.view", "documents.upload",
              "documents.view", "audit.view"]


def keys_file() -> Path:
    db_name = settings.DATABASES["default"]["NAME"]
    return Path(settings.DATA_DIR) / "bench-logs" / f"load-keys-{db_name}.json"


def _api_key_for(user, firm, known: dict[str, str]) -> str:
    from apps.security.api_keys import api_key_create
    from apps.security.models import ApiKey

    plaintext = known.get(str(user.pk))
    if plaintext:
        prefix = plaintext.split("_")[1]
        if ApiKey.objects.filter(prefix=prefix, firm=firm, revoked_at__isnull=True).exists():
            return plaintext
    return api_key_create(firm=firm, created_by=user, name=KEY_NAME, scopes=KEY_SCOPES,
                          expires_in_days=365).plaintext


def mix_identities(firm, progress: Callable[[str], None]) -> dict:
    """API keys, staff sessions, client sessions and client ids of `firm` for the mix."""
    from apps.accounts.models import Membership, User
    from apps.accounts.roles import Role
    from apps.accounts.services import membership_create, user_create
    from apps.portal.models import Client
    from apps.portal.services import client_access_grant

    keys_path = keys_file()
    known = json.loads(keys_path.read_text()) if keys_path.exists() else {}
    keys, staff_sessions, client_sessions = {}, [], []
    for index in range(MIX_STAFF):
        email = f"load-partner-{index}@{firm.slug}.test"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(email=email, password=None, full_name=f"Load partner {index}",
                               validate=False)
        if not Membership.objects.filter(user=user, firm=firm).exists():
            membership_create(user=user, firm=firm, role=Role.PARTNER)
        keys[str(user.pk)] = _api_key_for(user, firm, known)
        staff_sessions.append(_session_for(user, mfa=True))
        if index % 50 == 49:
            progress(f"    load staff: {index + 1}/{MIX_STAFF}")
    keys_path.parent.mkdir(parents=True, exist_ok=True)
    keys_path.write_text(json.dumps(keys))
    with schema_context(firm.schema_name):
        client_ids = list(Client.objects.alive().order_by("pk")
                          .values_list("pk", flat=True)[:MIX_CLIENTS])
        for index, client_id in enumerate(client_ids[:MIX_CLIENT_USERS]):
            email = f"load-mix-client-{index}@{firm.slug}.test"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(email=email, password=None,
                                   full_name=f"Load client user {index}", validate=False)
                membership_create(user=user, firm=firm, role=Role.CLIENT_OWNER)
                client_access_grant(client=Client.objects.get(pk=client_id), user=user)
            client_sessions.append(
                {"session": _session_for(user, mfa=firm.mfa_required_for_clients),
                 "client_id": client_id})
    connection.set_schema_to_public()
    progress(f"mix identities: {len(keys)} API keys, {len(staff_sessions)} staff sessions, "
             f"{len(client_sessions)} client portal users, {len(client_ids):,} clients")
    return {"mix_api_keys": list(keys.values()), "mix_staff_sessions": staff_sessions,
            "mix_client_sessions": client_sessions, "mix_client_ids": client_ids}
