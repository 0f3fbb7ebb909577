"""A request's cached authentication is read in one Redis round trip at its start
(apps/security/request_prefetch.py), and every decision still follows the latest write:
a signed-out session, a removed role, a locked account and a revoked key apply on the
very next request (issue 13)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import Membership
from apps.accounts.roles import Perm, Role
from apps.observability.harness.roundtrips import redis_round_trips
from apps.security import request_prefetch
from apps.security.api_keys import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db

PAGE = "/staff/clients/"


def _forget_learned_facts() -> None:
    """As a web process that has not served this session or key before."""
    for facts in (request_prefetch._firm_of_host, request_prefetch._user_of_session,
                  request_prefetch._key_owner):
        facts.clear()


def _round_trips(client: Client, path: str, status: int) -> int:
    with redis_round_trips() as redis:
        assert client.get(path).status_code == status
    return redis.count


def test_a_warm_browser_request_reads_session_user_and_role_in_one_round_trip(firm_a):
    staff = firm_a.client(Role.MANAGER)
    staff.get(PAGE)
    staff.get(PAGE)
    warm = _round_trips(staff, PAGE, 200)

    _forget_learned_facts()
    # Knowing the host's firm and the session's user no more, the user row and the role
    # are each read in a round trip of their own (the session still comes with the MGET).
    unlearned = _round_trips(staff, PAGE, 200)

    assert unlearned - warm == 2
    assert _round_trips(staff, PAGE, 200) == warm  # learned again


def test_a_warm_api_key_request_reads_key_and_role_in_one_round_trip(firm_a):
    api = firm_a.api_client(Role.ADMIN, name="Sync", scopes=[Perm.CLIENTS_VIEW],
                            expires_in_days=30)
    api.get("/api/v1/clients/")
    warm = _round_trips(api, "/api/v1/clients/", 200)

    _forget_learned_facts()
    unlearned = _round_trips(api, "/api/v1/clients/", 200)

    assert unlearned - warm == 1  # the owner's role on its own


def test_a_session_signed_out_elsewhere_is_anonymous_on_the_next_request(firm_a):
    staff = firm_a.client(Role.MANAGER)
    assert staff.get(PAGE).status_code == 200
    assert staff.get(PAGE).status_code == 200

    from apps.accounts.sessions import user_sessions_end

    assert user_sessions_end(user_id=firm_a.users[Role.MANAGER].pk) == 1

    response = staff.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_a_removed_membership_applies_on_the_next_request(
        firm_a, django_capture_on_commit_callbacks):
    staff = firm_a.client(Role.MANAGER)
    assert staff.get(PAGE).status_code == 200
    assert staff.get(PAGE).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        membership = Membership.objects.get(user=firm_a.users[Role.MANAGER], firm=firm_a.firm)
        membership.is_active = False
        membership.save(update_fields=["is_active"])

    assert staff.get(PAGE).status_code == 403


def test_a_locked_account_is_signed_out_on_the_next_request(
        firm_a, django_capture_on_commit_callbacks):
    from django.utils import timezone

    staff = firm_a.client(Role.MANAGER)
    assert staff.get(PAGE).status_code == 200
    assert staff.get(PAGE).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        user = firm_a.user(Role.MANAGER)
        user.locked_at = timezone.now()
        user.save(update_fields=["locked_at"])

    response = staff.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_a_revoked_key_is_refused_on_the_next_request_after_warm_ones(
        firm_a, django_capture_on_commit_callbacks):
    created = api_key_create(firm=firm_a.firm, created_by=firm_a.user(Role.ADMIN),
                             name="Sync", scopes=[Perm.CLIENTS_VIEW], expires_in_days=30)
    api = Client(HTTP_HOST=firm_a.host, HTTP_AUTHORIZATION=f"Api-Key {created.plaintext}")
    for _ in range(3):
        assert api.get("/api/v1/clients/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(key=created.key, by=firm_a.user(Role.OWNER))

    assert api.get("/api/v1/clients/").status_code == 401
