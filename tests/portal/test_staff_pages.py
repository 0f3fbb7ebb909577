"""Staff pages: dashboard, client list, client detail, and the create/edit forms."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.portal.models import Client, Engagement, Task
from apps.portal.refresh import dashboard_refresh
from tests.portal.factories import (
    make_client,
    make_document,
    make_engagement,
    make_invoice,
    make_task,
)

pytestmark = pytest.mark.django_db


def seed_clients(count: int, world) -> list[Client]:
    staff = world.user(Role.MANAGER)
    clients = []
    for i in range(count):
        client = make_client(business_name=f"Acme {i:03d}", assigned_staff_id=staff.pk,
                             industry="retail" if i % 2 else "technology")
        make_invoice(client, total="100.00", status="overdue" if i % 3 == 0 else "sent")
        make_task(client, assignee_id=staff.pk)
        clients.append(client)
    dashboard_refresh()
    return clients


def list_queries(world, django_assert_max_num_queries, count: int) -> int:
    from django.test.utils import CaptureQueriesContext

    connection.set_tenant(world.firm)
    seed_clients(count, world)
    connection.set_schema_to_public()
    http = world.client(Role.MANAGER)
    http.get("/staff/clients/")  # warm the session and role caches
    with CaptureQueriesContext(connection) as captured:
        response = http.get("/staff/clients/?sort=-outstanding")
    assert response.status_code == 200
    return len(captured)


def test_client_list_runs_the_same_queries_for_3_or_60_clients(firm_a,
                                                               django_assert_max_num_queries):
    few = list_queries(firm_a, django_assert_max_num_queries, 3)
    Client.objects.all().delete()
    many = list_queries(firm_a, django_assert_max_num_queries, 60)

    assert few == many


def test_client_list_pages_by_50_and_filters(in_firm_a):
    seed_clients(60, in_firm_a)
    connection.set_schema_to_public()
    http = in_firm_a.client(Role.STAFF_ACCOUNTANT)

    first = http.get("/staff/clients/")
    second = http.get("/staff/clients/" + first.context["next_url"])
    retail = http.get("/staff/clients/?industry=retail&q=acme%2000")

    assert first.context["page"].count.number == 60 and first.context["page"].count.exact
    assert len(first.context["page"].rows) == 50
    assert len(second.context["page"].rows) == 10
    assert second.context["next_url"] is None and second.context["previous_url"]
    names = [row["business_name"] for row in retail.context["page"].rows]
    assert names == ["Acme 001", "Acme 003", "Acme 005", "Acme 007", "Acme 009"]
    assert "Acme 001" in retail.content.decode()


def test_client_list_sorts_by_outstanding_money(in_firm_a):
    small, big = make_client(business_name="Small"), make_client(business_name="Big")
    make_invoice(small, total="10.00")
    make_invoice(big, total="900.00")
    dashboard_refresh()
    connection.set_schema_to_public()

    rows = in_firm_a.client(Role.MANAGER).get(
        "/staff/clients/?sort=-outstanding").context["page"].rows

    assert [r["business_name"] for r in rows] == ["Big", "Small"]


@pytest.mark.parametrize("query", [
    "status=bogus", "industry=%00", "q=" + "x" * 10_000, "q=a%00b", "cursor=-3",
    "cursor=abc", "cursor=%00", "sort=password", "assigned_staff=999999999", "assigned_staff=-1",
])
def test_bad_filter_values_answer_400_with_the_reason(firm_a, query):
    response = firm_a.client(Role.MANAGER).get(f"/staff/clients/?{query}")

    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()


def test_client_detail_shows_the_clients_work_in_constant_queries(
        in_firm_a, django_assert_num_queries):
    def detail_queries(client) -> int:
        from django.test.utils import CaptureQueriesContext

        connection.set_schema_to_public()
        http = in_firm_a.client(Role.MANAGER)
        http.get(f"/staff/clients/{client.pk}/")  # warm the session and role caches
        with CaptureQueriesContext(connection) as captured:
            response = http.get(f"/staff/clients/{client.pk}/")
        assert response.status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    small = make_client(business_name="Small Co")
    make_engagement(small)
    big = make_client(business_name="Big Co")
    for _ in range(8):
        engagement = make_engagement(big)
        make_task(big, engagement=engagement, assignee_id=in_firm_a.user(Role.MANAGER).pk)
        make_document(big)
        make_invoice(big)

    assert detail_queries(small) == detail_queries(big)
    connection.set_schema_to_public()
    body = in_firm_a.client(Role.MANAGER).get(f"/staff/clients/{big.pk}/").content.decode()
    assert "Big Co" in body and "Bookkeeping" in body and "Figures" in body


def test_firm_dashboard_shows_totals_and_clients_needing_attention(in_firm_a):
    late = make_client(business_name="Late Payer")
    make_invoice(late, total="1234.50", status="overdue")
    make_client(business_name="Fine Inc")
    dashboard_refresh()
    connection.set_schema_to_public()

    response = in_firm_a.client(Role.OWNER).get("/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Late Payer" in body and "Fine Inc" not in body
    assert "1,234.50" in body
    assert "Figures as of" in body


def test_manager_creates_a_client_and_bad_input_shows_inline_errors(firm_a):
    http = firm_a.client(Role.MANAGER)
    staff_id = firm_a.user(Role.BOOKKEEPER).pk

    bad = http.post("/staff/clients/new/", {"business_name": "x" * 300, "status": "active",
                                            "industry": "nope", "annual_revenue": "-5",
                                            "assigned_staff": str(staff_id)})
    good = http.post("/staff/clients/new/", {"business_name": "Northwind LLC",
                                             "status": "active", "industry": "retail",
                                             "annual_revenue": "250000.00",
                                             "assigned_staff": str(staff_id)})

    assert bad.status_code == 400
    errors = bad.context["form"].errors
    assert {"business_name", "industry", "annual_revenue"} <= set(errors)
    assert good.status_code == 302
    connection.set_tenant(firm_a.firm)
    created = Client.objects.get(business_name="Northwind LLC")
    assert created.assigned_staff_id == staff_id
    assert Client.objects.count() == 1


def test_a_client_user_cannot_be_assigned_as_staff(firm_a):
    http = firm_a.client(Role.MANAGER)

    response = http.post("/staff/clients/new/", {
        "business_name": "Sneaky", "status": "active", "industry": "retail",
        "assigned_staff": str(firm_a.user(Role.CLIENT_OWNER).pk)})

    assert response.status_code == 400
    assert "assigned_staff" in response.context["form"].errors


def test_engagement_and_task_forms_create_and_edit(in_firm_a):
    client = make_client(business_name="Forms Co")
    other = make_client(business_name="Other Co")
    foreign_engagement = make_engagement(other)
    connection.set_schema_to_public()
    http = in_firm_a.client(Role.SENIOR_ACCOUNTANT)

    created = http.post(f"/staff/clients/{client.pk}/engagements/new/", {
        "type": "tax_return", "status": "active", "start_date": "2026-02-01", "fee": "800"})
    backwards = http.post(f"/staff/clients/{client.pk}/engagements/new/", {
        "type": "audit", "status": "planned", "start_date": "2026-02-01",
        "end_date": "2026-01-01", "fee": "10"})
    connection.set_tenant(in_firm_a.firm)
    engagement = Engagement.objects.get(client=client)
    connection.set_schema_to_public()
    task = http.post(f"/staff/clients/{client.pk}/tasks/new/", {
        "title": "Collect W-2s", "engagement": str(engagement.pk), "status": "pending",
        "priority": "3", "due_date": "2026-03-01", "estimated_hours": "1.5"})
    wrong_engagement = http.post(f"/staff/clients/{client.pk}/tasks/new/", {
        "title": "Nope", "engagement": str(foreign_engagement.pk), "status": "pending",
        "priority": "2"})
    connection.set_tenant(in_firm_a.firm)
    saved = Task.objects.get(client=client)
    connection.set_schema_to_public()
    edited = http.post(f"/staff/tasks/{saved.pk}/edit/", {
        "title": "Collect W-2s and 1099s", "status": "completed", "priority": "3"})
    negative = http.post(f"/staff/tasks/{saved.pk}/edit/", {
        "title": "x", "status": "completed", "priority": "3", "estimated_hours": "-1"})

    assert created.status_code == 302 and task.status_code == 302
    assert backwards.status_code == 400
    assert wrong_engagement.status_code == 400
    assert "engagement" in wrong_engagement.context["form"].errors
    assert edited.status_code == 302
    assert negative.status_code == 400
    connection.set_tenant(in_firm_a.firm)
    saved.refresh_from_db()
    assert (saved.title, saved.status, saved.due_date) == (
        "Collect W-2s and 1099s", "completed", None)
    assert engagement.start_date == date(2026, 2, 1)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADVISOR])
def test_read_only_roles_see_clients_but_cannot_create_them(firm_a, role):
    http = firm_a.client(role)

    assert http.get("/staff/clients/").status_code == 200
    assert http.post("/staff/clients/new/", {"business_name": "No"}).status_code == 403
    connection.set_tenant(firm_a.firm)
    assert not Client.objects.filter(business_name="No").exists()


@pytest.mark.parametrize("path", ["/staff/clients/", "/staff/clients/new/"])
def test_client_users_are_kept_out_of_staff_pages(firm_a, path):
    assert firm_a.client(Role.CLIENT_OWNER).get(path).status_code == 403


def test_archived_clients_are_gone_from_staff_pages(in_firm_a):
    archived = make_client(business_name="Gone", deleted_at="2026-01-01T00:00:00Z")
    connection.set_schema_to_public()
    http = in_firm_a.client(Role.MANAGER)

    assert http.get(f"/staff/clients/{archived.pk}/").status_code == 404
    assert "Gone" not in http.get("/staff/clients/").content.decode()


def test_the_firm_admin_lists_clients_without_n_plus_one(in_firm_a):
    from django.test.utils import CaptureQueriesContext

    def admin_queries() -> int:
        connection.set_schema_to_public()
        http = in_firm_a.client(Role.OWNER)
        http.get("/admin/portal/client/")  # warm the session and role caches
        with CaptureQueriesContext(connection) as captured:
            assert http.get("/admin/portal/client/").status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    staff = in_firm_a.user(Role.MANAGER)
    make_client(assigned_staff_id=staff.pk)
    few = admin_queries()
    for _ in range(10):
        make_client(assigned_staff_id=staff.pk)

    assert admin_queries() == few
