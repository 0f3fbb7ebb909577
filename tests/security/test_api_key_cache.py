"""API-key requests answered from the cache spend no query on the key, its firm or its
owner's role, and a revocation (or the owner's change) still applies on the very next
request (issue 13: authentication cached with immediate invalidation)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Membership
from apps.accounts.roles import Perm, Role
from apps.accounts.services import membership_role_set
from apps.security.api_keys import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db

_AUTH_TABLES = ("security_apikey", "firms_firm", "firms_domain", "accounts_membership",
                "accounts_user")


def _api(world, plaintext):
    return Client(HTTP_HOST=world.host, HTTP_AUTHORIZATION=f"Api-Key {plaintext}")


def _auth_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries
            if any(f'"{table}"' in q["sql"] for table in _AUTH_TABLES)]


def _key(world, scopes=(Perm.CLIENTS_VIEW, Perm.AUDIT_VIEW)):
    return api_key_create(firm=world.firm, created_by=world.user(Role.ADMIN), name="Sync",
                          scopes=list(scopes), expires_in_days=30)


def test_a_warm_key_request_reads_no_key_firm_or_role_from_the_database(firm_a):
    created = _key(firm_a)
    api = _api(firm_a, created.plaintext)
    assert api.get("/api/v1/clients/").status_code == 200  # warms the caches

    with CaptureQueriesContext(connection) as captured:
        assert api.get("/api/v1/clients/").status_code == 200

    assert _auth_queries(captured) == []


def test_a_revocation_applies_to_the_very_next_request(
        firm_a, django_capture_on_commit_callbacks):
    created = _key(firm_a)
    api = _api(firm_a, created.plaintext)
    assert api.get("/api/v1/clients/").status_code == 200
    assert api.get("/api/v1/clients/").status_code == 200  # served from the cache

    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(key=created.key, by=firm_a.user(Role.OWNER))

    response = api.get("/api/v1/clients/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_the_owners_role_change_applies_to_the_very_next_request(
        firm_a, django_capture_on_commit_callbacks):
    created = _key(firm_a)
    api = _api(firm_a, created.plaintext)
    assert api.get("/api/v1/audit-events/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        membership_role_set(membership=Membership.objects.get(
            user=firm_a.users[Role.ADMIN], firm=firm_a.firm), role=Role.ADVISOR)

    assert api.get("/api/v1/audit-events/").status_code == 403
    assert api.get("/api/v1/clients/").status_code == 200


def test_an_unknown_key_is_not_kept(firm_a):
    from apps.security.api_keys import KEYS

    assert _api(firm_a, "aos_0123456789ab_" + "x" * 43).get(
        "/api/v1/clients/").status_code == 401

    assert KEYS.cache.get(KEYS.entry_key("0123456789ab")) is None
