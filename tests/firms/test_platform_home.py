"""The bare domain's home page: platform staff land on the platform's tools, a user with
no firm gets a way on instead of a dead end."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_platform_staff_land_on_the_admin_ops_and_ledger(public_client):
    staff = User.objects.create_user(email="ops@advisoros.test", password="x" * 12,
                                     is_staff=True)
    sign_in(public_client, staff)

    response = public_client.get("/")
    page = response.content.decode()

    assert response.status_code == 200

    assert 'href="/admin/"' in page
    assert 'href="/ops/performance/"' in page
    assert 'href="/billing/ledger/"' in page
    assert "You are not a member of any firm yet" not in page


def test_a_user_without_a_firm_is_pointed_to_the_marketplace_not_the_platform(public_client):
    someone = User.objects.create_user(email="new@advisoros.test", password="x" * 12)
    sign_in(public_client, someone)

    page = public_client.get("/").content.decode()

    assert 'href="/marketplace/"' in page
    assert 'href="/billing/ledger/"' not in page and 'href="/admin/"' not in page
