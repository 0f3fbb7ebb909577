"""The firm admin offers only the firm's own people, and archiving follows the role."""

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.portal.models import Client
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


def test_user_fields_offer_only_this_firms_people(firm_a, firm_b):
    page = firm_a.client(Role.MANAGER).get("/admin/portal/client/add/")

    choices = set(page.context["adminform"].form.fields["assigned_staff"].queryset)
    assert firm_a.user(Role.STAFF_ACCOUNTANT) in choices
    assert firm_a.user(Role.CLIENT_OWNER) not in choices  # staff field: staff only
    assert firm_b.user(Role.OWNER) not in choices


def test_another_firms_user_id_is_refused_without_naming_them(firm_a, firm_b):
    outsider = firm_b.user(Role.OWNER)

    response = firm_a.client(Role.MANAGER).post("/admin/portal/client/add/", {
        "business_name": "", "status": "active", "industry": "other",
        "assigned_staff": str(outsider.pk)})

    assert response.status_code == 200
    assert "assigned_staff" in response.context["adminform"].form.errors
    body = response.content.decode()
    assert outsider.email not in body and outsider.full_name not in body


def test_portal_access_rows_name_only_client_users(firm_a):
    page = firm_a.client(Role.MANAGER).get("/admin/portal/clientaccess/add/")

    choices = set(page.context["adminform"].form.fields["user"].queryset)
    assert choices == {firm_a.user(Role.CLIENT_OWNER), firm_a.user(Role.CLIENT_MEMBER)}


def test_archiving_in_the_admin_needs_the_archive_permission(firm_a):
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Keep Me")
    manager = firm_a.client(Role.MANAGER)

    manager.post(f"/admin/portal/client/{client.pk}/change/", {
        "business_name": "Keep Me", "status": "active", "industry": "other",
        "deleted_at_0": "2026-01-01", "deleted_at_1": "00:00:00"})
    manager.post("/admin/portal/client/", {"action": "archive",
                                           "_selected_action": [str(client.pk)]})
    with schema_context(firm_a.firm.schema_name):
        assert Client.objects.get(pk=client.pk).deleted_at is None

    firm_a.client(Role.PARTNER).post("/admin/portal/client/", {
        "action": "archive", "_selected_action": [str(client.pk)]})
    with schema_context(firm_a.firm.schema_name):
        assert Client.objects.get(pk=client.pk).deleted_at is not None


def test_a_former_member_cannot_be_unlocked_by_the_firm_they_left(firm_a):
    user = firm_a.user(Role.BOOKKEEPER)
    Membership.objects.filter(user=user, firm=firm_a.firm).update(is_active=False)

    response = firm_a.client(Role.ADMIN).post(f"/security/members/{user.pk}/unlock/")

    assert response.status_code == 404
