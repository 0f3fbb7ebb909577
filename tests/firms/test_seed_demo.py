import io

import pytest
from django.core.management import call_command

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.firms.demo import DEMO_PASSWORD
from apps.firms.models import Firm

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_three_firms_with_every_role_and_is_idempotent(public_client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())

    slugs = set(Firm.objects.filter(slug__in=["johnson-associates", "sarah-chen",
                                             "regional-cpa-network"]).values_list("slug",
                                                                                  flat=True))
    assert slugs == {"johnson-associates", "sarah-chen", "regional-cpa-network"}
    for slug in ("johnson-associates", "regional-cpa-network"):
        roles = set(Membership.objects.filter(firm__slug=slug).values_list("role", flat=True))
        assert roles == set(Role)
    assert Membership.objects.filter(firm__slug="sarah-chen").count() == 3
    text = out.getvalue()
    assert "http://johnson-associates.localhost:8000/accounts/sign-in/" in text
    assert DEMO_PASSWORD in text
    assert "[3/3] Regional CPA Network" in text


def test_demo_users_can_sign_in_at_their_firm():
    call_command("seed_demo", stdout=io.StringIO())
    from django.test import Client

    client = Client(HTTP_HOST="sarah-chen.localhost")
    response = client.post("/accounts/sign-in/", {"username": "owner@sarah-chen.test",
                                                  "password": DEMO_PASSWORD})

    assert response.status_code == 302
