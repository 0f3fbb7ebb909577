"""A key acts for the person who made it: it can never do more than that person's current
role allows, and it ends with their membership (issue 12, item 1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.models import Membership
from apps.accounts.roles import Perm, Role
from apps.accounts.services import membership_deactivate, membership_role_set
from apps.audit.models import AuditAction, AuditEvent
from apps.security.api_keys import api_key_create
from apps.security.models import ApiKey
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db

EVERY_ADMIN_SCOPE = [Perm.CLIENTS_VIEW, Perm.AUDIT_VIEW, Perm.INVOICES_EDIT,
                     Perm.INVOICES_VIEW]


def _admin_key(world):
    return api_key_create(firm=world.firm, created_by=world.user(Role.ADMIN),
                          name="Integration", scopes=EVERY_ADMIN_SCOPE, expires_in_days=30)


def _calls(world, plaintext: str, client_id: int) -> dict[str, int]:
    api = Client(HTTP_HOST=world.host, HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    invoice = {"client": client_id, "lines": [{"description": "Advice", "unit_price": "10.00"}]}
    return {
        "clients": api.get("/api/v1/clients/").status_code,
        "audit": api.get("/api/v1/audit-events/").status_code,
        "invoice": api.post("/api/v1/billing/invoices/", invoice,
                            content_type="application/json").status_code,
    }


def _a_client(world) -> int:
    connection.set_tenant(world.firm)
    client_id = make_client(business_name="Key Test Co").pk
    connection.set_schema_to_public()
    return client_id


def _membership(world, role) -> Membership:
    return Membership.objects.get(user=world.users[role], firm=world.firm)


def test_a_key_stops_working_when_its_owner_is_deactivated(
        firm_a, django_capture_on_commit_callbacks):
    client_id = _a_client(firm_a)
    created = _admin_key(firm_a)
    assert _calls(firm_a, created.plaintext, client_id) == {
        "clients": 200, "audit": 200, "invoice": 201}

    with django_capture_on_commit_callbacks(execute=True):
        membership_deactivate(membership=_membership(firm_a, Role.ADMIN),
                              by=firm_a.user(Role.OWNER))

    after = _calls(firm_a, created.plaintext, client_id)
    assert after == {"clients": 401, "audit": 401, "invoice": 401}
    key = ApiKey.objects.get(pk=created.key.pk)
    assert key.revoked_at is not None
    connection.set_tenant(firm_a.firm)
    revoked = AuditEvent.objects.filter(action=AuditAction.API_KEY_REVOKED,
                                        target_id=str(key.pk)).get()
    assert revoked.details["reason"] == "the key's owner was deactivated"
    assert revoked.actor_email == firm_a.user(Role.OWNER).email


def test_deactivation_revokes_only_the_members_own_keys_in_that_firm(firm_a, firm_b):
    mine = _admin_key(firm_a)
    theirs = api_key_create(firm=firm_a.firm, created_by=firm_a.user(Role.OWNER),
                            name="Owner's", scopes=[Perm.AUDIT_VIEW], expires_in_days=30)
    elsewhere = _admin_key(firm_b)

    membership_deactivate(membership=_membership(firm_a, Role.ADMIN))

    assert ApiKey.objects.get(pk=mine.key.pk).revoked_at is not None
    assert ApiKey.objects.get(pk=theirs.key.pk).revoked_at is None
    assert ApiKey.objects.get(pk=elsewhere.key.pk).revoked_at is None


def test_a_shrunk_role_shrinks_the_key_at_once(firm_a, django_capture_on_commit_callbacks):
    client_id = _a_client(firm_a)
    created = _admin_key(firm_a)
    assert _calls(firm_a, created.plaintext, client_id)["invoice"] == 201

    # An auditor reads clients and the trail but may not bill.
    with django_capture_on_commit_callbacks(execute=True):
        membership_role_set(membership=_membership(firm_a, Role.ADMIN), role=Role.AUDITOR)

    assert _calls(firm_a, created.plaintext, client_id) == {
        "clients": 200, "audit": 200, "invoice": 403}
    # Read-only staff: no trail either.
    with django_capture_on_commit_callbacks(execute=True):
        membership_role_set(membership=_membership(firm_a, Role.ADMIN), role=Role.ADVISOR)

    assert _calls(firm_a, created.plaintext, client_id) == {
        "clients": 200, "audit": 403, "invoice": 403}


def test_a_key_ends_with_its_owners_account(firm_a, django_capture_on_commit_callbacks):
    client_id = _a_client(firm_a)
    created = _admin_key(firm_a)
    owner = firm_a.user(Role.ADMIN)

    with django_capture_on_commit_callbacks(execute=True):
        owner.is_active = False
        owner.save(update_fields=["is_active"])

    assert _calls(firm_a, created.plaintext, client_id)["clients"] == 401


def test_deactivation_ends_the_members_sessions(firm_a, django_capture_on_commit_callbacks):
    browser = firm_a.client(Role.MANAGER)
    assert browser.get("/api/v1/clients/").status_code == 200
    session_key = browser.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        membership_deactivate(membership=_membership(firm_a, Role.MANAGER))

    from django.contrib.sessions.models import Session
    assert not Session.objects.filter(session_key=session_key).exists()
    assert browser.get("/api/v1/clients/").status_code in (401, 403)
