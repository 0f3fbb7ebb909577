"""The busiest people pages run a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.people.messaging import thread_start
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db


def _threads(firm_a, count: int) -> int:
    connection.set_tenant(firm_a.firm)
    client = make_client(business_name=f"Busy {count}")
    give_access(firm_a.user(Role.CLIENT_OWNER), client)
    for n in range(count):
        thread_start(client=client, subject=f"Question {n}", body="Hello",
                     author=firm_a.user(Role.CLIENT_OWNER), from_firm=False)
    connection.set_schema_to_public()
    return client.pk


@pytest.mark.parametrize("count", [2, 12])
def test_the_inbox_and_the_portal_list_do_not_grow_with_threads(
        firm_a, count, django_assert_max_num_queries):
    client_id = _threads(firm_a, count)
    staff, portal = firm_a.client(Role.MANAGER), firm_a.client(Role.CLIENT_OWNER)
    staff.get("/people/inbox/")  # warm the per-user caches (session, role)
    portal.get(f"/portal/{client_id}/messages/")

    with django_assert_max_num_queries(14):
        assert staff.get("/people/inbox/").status_code == 200
    with django_assert_max_num_queries(14):
        assert portal.get(f"/portal/{client_id}/messages/").status_code == 200


def test_the_team_page_does_not_grow_with_members(firm_a, django_assert_max_num_queries):
    owner = firm_a.client(Role.OWNER)
    owner.get("/people/team/")

    with django_assert_max_num_queries(12):
        assert owner.get("/people/team/").status_code == 200
