"""Health pages: who sees them (never clients), the firm list riskiest first with keyset
pages, the score on the staff client page, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.clienthealth import selectors
from apps.clienthealth.services import health_refresh
from tests.clienthealth.factories import overdue_invoice, overdue_requests
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db


def _scored_clients(count: int = 3) -> list:
    clients = [make_client(business_name=f"Scored {n}") for n in range(count)]
    overdue_requests(clients[1], 4)  # 80
    overdue_invoice(clients[2], days_late=45)  # 88
    health_refresh()
    return clients


@pytest.mark.parametrize("role", [Role.OWNER, Role.PARTNER, Role.MANAGER])
def test_people_who_look_after_clients_see_the_list_riskiest_first(in_firm_a, role):
    clients = _scored_clients()

    response = in_firm_a.client(role).get(reverse("clienthealth:list"))

    assert response.status_code == 200
    names = [row.client_name for row in response.context["page"].rows]
    assert names[:3] == ["Scored 1", "Scored 2", "Scored 0"]
    assert "4 requested documents overdue" in response.content.decode()
    assert clients


@pytest.mark.parametrize("role", [Role.STAFF_ACCOUNTANT, Role.AUDITOR, Role.CLIENT_OWNER,
                                  Role.CLIENT_MEMBER])
def test_others_and_clients_are_refused(in_firm_a, role):
    [client, *_] = _scored_clients()
    give_access(in_firm_a.user(Role.CLIENT_OWNER), client)
    give_access(in_firm_a.user(Role.CLIENT_MEMBER), client)
    browser = in_firm_a.client(role)

    assert browser.get(reverse("clienthealth:list")).status_code == 403
    assert browser.get(reverse("clienthealth:client", args=[client.pk])).status_code == 403


def test_the_staff_client_page_shows_the_score_and_reasons_only_with_the_permission(in_firm_a):
    client = _scored_clients()[1]
    url = reverse("staff:client_detail", args=[client.pk])

    partner_page = in_firm_a.client(Role.PARTNER).get(url).content.decode()
    accountant_page = in_firm_a.client(Role.STAFF_ACCOUNTANT).get(url).content.decode()

    assert 'id="client-health"' in partner_page and "4 requested documents overdue" in partner_page
    assert 'id="client-health"' not in accountant_page
    # The navigation offers the pages to those who may open them, and only to them.
    assert 'href="/client-health/"' in partner_page and 'href="/compliance/"' in partner_page
    assert 'href="/client-health/"' not in accountant_page
    assert 'href="/compliance/"' not in accountant_page


def test_keyset_pages_walk_every_client_once_in_order(in_firm_a, monkeypatch):
    _scored_clients(5)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    seen, cursor = [], ""
    while True:
        page = selectors.health_list_page(cursor=cursor)
        seen += [(row.score, row.client_id) for row in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 5


def test_a_bad_cursor_or_level_shows_the_first_page(in_firm_a):
    _scored_clients()
    browser = in_firm_a.client(Role.PARTNER)

    response = browser.get(reverse("clienthealth:list"), {"after": "x\x00", "level": "nope"})

    assert response.status_code == 200
    assert len(response.context["page"].rows) == 3


def test_the_list_runs_a_fixed_number_of_queries(in_firm_a, django_assert_max_num_queries):
    _scored_clients(8)

    with django_assert_max_num_queries(4):
        page = selectors.health_list_page()
        selectors.health_level_counts()

    assert len(page.rows) == 8


def test_the_client_page_shows_the_trend_data(in_firm_a):
    client = _scored_clients()[2]

    response = in_firm_a.client(Role.MANAGER).get(reverse("clienthealth:client",
                                                          args=[client.pk]))

    assert response.status_code == 200
    assert response.context["health"].score == 88
    assert response.context["chart"]["scores"] == [88]
    assert "2 invoices overdue" not in response.content.decode()
    assert "1 invoice overdue, the oldest 45 days late" in response.content.decode()
