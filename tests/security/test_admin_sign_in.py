"""The admin sites have no sign-in of their own (it skipped membership, risk scoring and
MFA); platform staff need MFA wherever they are signed in."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from advisoros.admin_sites import platform_admin
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import membership_create, user_create
from apps.security.models import SignInRecord
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_staff() -> User:
    user = user_create(email="ops@advisoros.test", password=PASSWORD, validate=False)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_platform_staff_cannot_sign_in_through_a_firms_admin_login(firm_a, platform_staff):
    client = Client(HTTP_HOST=firm_a.host)

    response = client.post("/admin/login/?next=/admin/",
                           {"username": platform_staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/sign-in/?next=%2Fadmin%2F"
    assert not _signed_in(client)
    assert client.get("/admin/").headers["Location"].startswith("/admin/login/")
    # The product's sign-in, where the admin login now sends them, checks membership.
    refused = client.post("/accounts/sign-in/", {"username": platform_staff.email,
                                                 "password": PASSWORD})
    assert refused.status_code == 200
    assert "no access to this firm" in refused.content.decode()
    assert not _signed_in(client)


def test_firm_admins_sign_in_through_the_product_with_risk_scoring(firm_a):
    client = Client(HTTP_HOST=firm_a.host)
    owner = firm_a.user(Role.OWNER)

    to_sign_in = client.get("/admin/login/?next=/admin/portal/")
    signed = client.post(to_sign_in.headers["Location"],
                         {"username": owner.email, "password": PASSWORD})

    assert to_sign_in.headers["Location"] == "/accounts/sign-in/?next=%2Fadmin%2Fportal%2F"
    assert signed.status_code == 302 and _signed_in(client)
    assert SignInRecord.objects.filter(user=owner, succeeded=True).exists()
    # Firm staff still pass MFA before the admin answers.
    assert client.get("/admin/").headers["Location"].startswith("/accounts/mfa/")


def test_a_member_without_admin_access_is_refused_not_looped(firm_a):
    client = firm_a.client(Role.STAFF_ACCOUNTANT)

    assert client.get("/admin/login/").status_code == 403


def test_an_off_site_next_is_ignored(firm_a):
    response = Client(HTTP_HOST=firm_a.host).get("/admin/login/?next=https://evil.test/")

    assert response.headers["Location"] == "/accounts/sign-in/?next=%2Fadmin%2F"


def test_the_platform_admin_login_signs_nobody_in_either(platform_staff):
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)

    response = client.post("/admin/login/", {"username": platform_staff.email,
                                              "password": PASSWORD})

    assert response.headers["Location"].startswith("/accounts/sign-in/")
    assert not _signed_in(client)


def test_platform_staff_need_mfa_at_a_firm_too(firm_a, platform_staff):
    # A platform staff member who is also a client user of a firm that does not ask its
    # clients for MFA.
    membership_create(user=platform_staff, firm=firm_a.firm, role=Role.CLIENT_MEMBER)
    client = sign_in(Client(HTTP_HOST=firm_a.host), platform_staff, mfa=False)

    response = client.get("/portal/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/mfa/setup/")


def test_platform_staff_need_mfa_for_the_ops_pages(platform_staff):
    client = sign_in(Client(HTTP_HOST=settings.BASE_DOMAIN), platform_staff, mfa=False)

    assert client.get("/ops/performance/").headers["Location"].startswith("/accounts/mfa/")
    sign_in(client, platform_staff)
    assert client.get("/ops/performance/").status_code == 200


def test_the_platform_admin_itself_refuses_staff_without_mfa(platform_staff):
    request = RequestFactory().get("/admin/")
    request.firm = None
    request.user = platform_staff

    platform_staff.is_verified = lambda: False
    refused = platform_admin.has_permission(request)
    platform_staff.is_verified = lambda: True
    allowed = platform_admin.has_permission(request)

    assert (refused, allowed) == (False, True)
