"""Team page: who is in, roles, switching people off, the last owner."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.people.team import member_deactivate, member_role_change
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db


def _membership(firm_a, role) -> Membership:
    return Membership.objects.get(firm=firm_a.firm, user=firm_a.users[role])


def test_the_team_page_lists_staff_with_role_last_sign_in_and_two_step_status(firm_a):
    TOTPDevice.objects.filter(user=firm_a.users[Role.BOOKKEEPER]).delete()
    browser = firm_a.client(Role.OWNER)

    page = browser.get("/people/team/").content.decode()

    assert "tax-preparer@alpha-cpa.test" in page and "Tax preparer" in page
    assert "client-owner@alpha-cpa.test" not in page  # clients are not the team
    assert "Not set up" in page  # the bookkeeper has no authenticator
    assert firm_a.client(Role.AUDITOR).get("/people/team/").status_code == 200
    assert firm_a.client(Role.CLIENT_OWNER).get("/people/team/").status_code == 403


def test_a_deactivated_member_is_refused_on_their_next_request(
        firm_a, django_capture_on_commit_callbacks):
    accountant = firm_a.client(Role.STAFF_ACCOUNTANT)
    assert accountant.get("/staff/clients/").status_code == 200
    owner = firm_a.client(Role.OWNER)
    target = _membership(firm_a, Role.STAFF_ACCOUNTANT)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(f"/people/team/members/{target.pk}/deactivate/")

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_active is False
    assert accountant.get("/staff/clients/").status_code in (302, 403)


def test_a_role_change_takes_effect_on_the_next_request(
        firm_a, django_capture_on_commit_callbacks):
    bookkeeper = firm_a.client(Role.BOOKKEEPER)
    assert bookkeeper.get("/staff/billing/invoices/").status_code == 200
    target = _membership(firm_a, Role.BOOKKEEPER)

    with django_capture_on_commit_callbacks(execute=True):
        firm_a.client(Role.OWNER).post(f"/people/team/members/{target.pk}/role/",
                                       {"role": Role.AUDITOR})

    target.refresh_from_db()
    assert target.role == Role.AUDITOR
    assert bookkeeper.post("/people/team/invite/", {}).status_code == 403


def test_the_last_owner_cannot_be_removed_or_demoted(firm_a):
    owner = firm_a.user(Role.OWNER)
    owner_membership = _membership(firm_a, Role.OWNER)

    with pytest.raises(ValidationError, match="your own access"):
        member_deactivate(membership=owner_membership, by=owner)
    with pytest.raises(ValidationError, match="at least one active owner"):
        member_role_change(membership=owner_membership, role=Role.ADMIN, by=owner)
    with pytest.raises(ValidationError, match="Only an owner"):
        member_deactivate(membership=owner_membership, by=firm_a.user(Role.ADMIN))
    response = firm_a.client(Role.ADMIN).post(
        f"/people/team/members/{owner_membership.pk}/deactivate/", follow=True)
    assert "Only an owner can switch off an owner" in response.content.decode()
    owner_membership.refresh_from_db()
    assert owner_membership.is_active and owner_membership.role == Role.OWNER


def test_another_firms_member_cannot_be_changed_from_here(firm_a, firm_b):
    theirs = _membership(firm_b, Role.MANAGER)

    response = firm_a.client(Role.OWNER).post(f"/people/team/members/{theirs.pk}/deactivate/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_removing_portal_access_hides_the_client_at_once(firm_a):
    user = firm_a.user(Role.CLIENT_OWNER)
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Removed Co")
        give_access(user, client)
    portal = firm_a.client(Role.CLIENT_OWNER)
    assert portal.get(f"/portal/{client.pk}/").status_code == 200

    response = firm_a.client(Role.MANAGER).post(
        f"/people/clients/{client.pk}/access/{user.pk}/remove/")

    assert response.status_code == 302
    assert portal.get(f"/portal/{client.pk}/").status_code == 404


def test_removing_access_of_someone_without_it_is_not_found(firm_a):
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Nobody Here Co")
    stranger = firm_a.users[Role.BOOKKEEPER]

    response = firm_a.client(Role.MANAGER).post(
        f"/people/clients/{client.pk}/access/{stranger.pk}/remove/")

    assert response.status_code == 404
