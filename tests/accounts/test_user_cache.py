"""The signed-in user is read from Redis on every request, yet any change to the account
(lock, deactivation, new password, deletion) takes effect on its very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.security.services import account_lock

pytestmark = pytest.mark.django_db

PAGE = "/accounts/security/"


def _user_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PAGE).status_code == 200
    return sum('FROM "accounts_user"' in q["sql"] for q in captured)


def test_a_warm_request_reads_no_user_row(firm_a):
    client = firm_a.client(Role.PARTNER)
    client.get(PAGE)

    assert _user_queries(client) == 0


def test_a_locked_account_is_signed_out_on_its_next_request(firm_a):
    client = firm_a.client(Role.PARTNER)
    assert client.get(PAGE).status_code == 200

    account_lock(user=firm_a.user(Role.PARTNER), reason="test")

    assert client.get(PAGE).status_code == 302


def test_a_deactivated_account_is_anonymous_on_its_next_request(firm_a):
    client = firm_a.client(Role.MANAGER)
    assert client.get(PAGE).status_code == 200
    user = firm_a.user(Role.MANAGER)
    user.is_active = False
    user.save()

    response = client.get(PAGE)

    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_a_profile_change_shows_at_once(firm_a):
    client = firm_a.client(Role.SENIOR_ACCOUNTANT)
    client.get(PAGE)
    user = firm_a.user(Role.SENIOR_ACCOUNTANT)
    user.full_name = "Renamed Person"
    user.last_login = timezone.now()
    user.save()

    assert "Renamed" in client.get(PAGE).content.decode()
