"""Firm API: clients, a client's dashboard, engagements, tasks; filters, cursors, roles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.portal.refresh import dashboard_refresh
from tests.portal.factories import make_client, make_engagement, make_invoice, make_task

pytestmark = pytest.mark.django_db


def in_public():
    connection.set_schema_to_public()


def test_clients_are_listed_with_filters_and_walked_by_cursor(in_firm_a):
    for i in range(55):
        make_client(business_name=f"Firm {i:02d}", status="active" if i % 5 else "inactive")
    in_public()
    api = in_firm_a.client(Role.STAFF_ACCOUNTANT)

    first = api.get("/api/v1/clients/").json()
    second = api.get(first["next"]).json()
    inactive = api.get("/api/v1/clients/?status=inactive&q=firm").json()

    assert len(first["results"]) == 50 and len(second["results"]) == 5
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 55
    assert {row["status"] for row in inactive["results"]} == {"inactive"}
    assert len(inactive["results"]) == 11
    assert set(first["results"][0]) >= {"business_name", "annual_revenue", "assigned_staff_id"}


@pytest.mark.parametrize("path", [
    "/api/v1/clients/?status=bogus", "/api/v1/clients/?industry=%00",
    "/api/v1/clients/?q=a%00b", "/api/v1/clients/?q=" + "x" * 10_000,
    "/api/v1/clients/?min_revenue=-1", "/api/v1/clients/?min_revenue=lots",
    "/api/v1/clients/?assigned_staff=-4", "/api/v1/clients/?assigned_staff=1e400",
    "/api/v1/clients/?cursor=not-a-cursor", "/api/v1/clients/?cursor=%00",
    "/api/v1/engagements/?type=yacht", "/api/v1/engagements/?started_after=2026-13-45",
    "/api/v1/engagements/?client=99999999999999999999999",
    "/api/v1/tasks/?priority=9", "/api/v1/tasks/?status=done", "/api/v1/tasks/?due_before=x",
])
def test_bad_filter_values_answer_400_naming_the_field(firm_a, path):
    response = firm_a.client(Role.MANAGER).get(path)

    assert response.status_code == 400, response.content
    assert isinstance(response.json(), dict) and response.json()


def test_detail_and_dashboard_of_a_client(in_firm_a):
    client = make_client(business_name="Detail Co", annual_revenue="1000000.00")
    make_invoice(client, total="75.10")
    dashboard_refresh()
    in_public()
    api = in_firm_a.client(Role.AUDITOR)

    detail = api.get(f"/api/v1/clients/{client.pk}/").json()
    dashboard = api.get(f"/api/v1/clients/{client.pk}/dashboard/").json()

    assert detail["business_name"] == "Detail Co"
    assert detail["annual_revenue"] == "1000000.00"
    assert dashboard["outstanding_balance"] == "75.10"
    assert dashboard["invoices_open"] == 1 and dashboard["source"] == "view"
    assert dashboard["as_of"] is not None
    assert api.get("/api/v1/clients/999999/").status_code == 404
    assert api.get("/api/v1/clients/999999/dashboard/").status_code == 404


def test_engagements_and_tasks_filter_by_client_and_status(in_firm_a):
    one, two = make_client(), make_client()
    active = make_engagement(one, status="active", type="audit")
    make_engagement(two, status="completed")
    make_task(one, engagement=active, status="in_progress", priority=4)
    make_task(two, status="completed")
    in_public()
    api = in_firm_a.client(Role.BOOKKEEPER)

    engagements = api.get(f"/api/v1/engagements/?client={one.pk}&status=active").json()
    tasks = api.get("/api/v1/tasks/?status=in_progress&priority=4").json()
    task_detail = api.get(f"/api/v1/tasks/{tasks['results'][0]['id']}/").json()

    assert [e["id"] for e in engagements["results"]] == [active.pk]
    assert engagements["results"][0]["type"] == "audit"
    assert [t["client_id"] for t in tasks["results"]] == [one.pk]
    assert task_detail["engagement_id"] == active.pk
    assert api.get(f"/api/v1/engagements/{active.pk}/").json()["fee"] == "1200.00"


@pytest.mark.parametrize("path", ["/api/v1/clients/", "/api/v1/engagements/",
                                  "/api/v1/tasks/"])
def test_list_endpoints_run_the_same_queries_for_2_or_40_rows(in_firm_a, path,
                                                               django_assert_num_queries):
    def count() -> int:
        in_public()
        api = in_firm_a.client(Role.MANAGER)
        api.get(path)  # warm session and role caches
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    for _ in range(2):
        client = make_client()
        make_task(client, engagement=make_engagement(client))
    few = count()
    for _ in range(38):
        client = make_client()
        make_task(client, engagement=make_engagement(client))
    in_public()
    api = in_firm_a.client(Role.MANAGER)
    api.get(path)

    # Session, then the page's one query: no per-row work.
    with django_assert_num_queries(few):
        assert len(api.get(path).json()["results"]) == 40


@pytest.mark.parametrize("role", [Role.CLIENT_OWNER, Role.CLIENT_MEMBER])
def test_client_users_cannot_use_the_firm_api(firm_a, role):
    api = firm_a.client(role)

    assert api.get("/api/v1/clients/").status_code == 403
    assert api.get("/api/v1/tasks/").status_code == 403


def test_another_firms_client_ids_are_not_found_here(in_firm_a, firm_b):
    connection.set_tenant(firm_b.firm)
    theirs = make_client(business_name="Beta's client")
    in_public()
    api = in_firm_a.client(Role.OWNER)

    assert api.get(f"/api/v1/clients/{theirs.pk}/").status_code in (404,)
    assert "Beta's client" not in api.get("/api/v1/clients/").content.decode()
