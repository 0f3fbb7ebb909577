"""The staff area's global search: grouped results from clients, documents, invoices,
jobs and people; only the firm's own, never archived clients' things, staff only; a
bounded number of queries; the box in every staff page's header."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.documents.models import Document
from tests.billing.factories import draft_invoice, line
from tests.portal.factories import make_client, make_document
from tests.work.factories import make_job

pytestmark = pytest.mark.django_db


def searchable_document(client, file_name: str, text: str) -> Document:
    document = make_document(client, file_name=file_name, text=text)
    Document.objects.filter(pk=document.pk).update(
        search=SearchVector("file_name", config="english")
        + SearchVector("text", config="english"))
    return document


def hits(response, group: str) -> list[str]:
    found = {g.key: g for g in response.context["results"].groups}
    return [hit.title for hit in found[group].hits] if group in found else []


def test_one_query_finds_the_client_its_invoices_jobs_documents_and_people(in_firm_a):
    acme = make_client(business_name="Acme Robotics", contact_name="Dana Ruiz")
    make_client(business_name="Bluebird Bakery")
    invoice = draft_invoice(acme, lines=[line(unit_price="120.00")])
    make_job(client=acme, name="Acme year-end close")
    searchable_document(acme, "acme-w9.pdf", "Request for taxpayer identification")
    connection.set_schema_to_public()
    staff = in_firm_a.client(Role.STAFF_ACCOUNTANT)

    by_name = staff.get("/search/", {"q": "acme"})
    by_number = staff.get("/search/", {"q": invoice.number[:8]})
    by_person = staff.get("/search/", {"q": "bookkeeper"})
    by_text = staff.get("/search/", {"q": "taxpayer"})

    assert by_name.status_code == 200
    assert hits(by_name, "clients") == ["Acme Robotics"]
    assert hits(by_name, "invoices") == [f"{invoice.number} · Acme Robotics"]
    assert hits(by_name, "jobs") == ["Acme year-end close · Acme Robotics"]
    assert hits(by_name, "documents") == ["acme-w9.pdf"]
    assert f"{invoice.number} · Acme Robotics" in hits(by_number, "invoices")
    assert hits(by_person, "people") == [f"Bookkeeper of {in_firm_a.firm.name}"]
    assert hits(by_text, "documents") == ["acme-w9.pdf"] and hits(by_text, "clients") == []
    assert b"Bluebird" not in by_name.content


def test_another_firms_and_archived_clients_things_never_show(in_firm_a, firm_b):
    gone = make_client(business_name="Zephyr Gone")
    make_job(client=gone, name="Zephyr archived job")
    gone.deleted_at = timezone.now()
    gone.save(update_fields=["deleted_at"])
    draft_invoice(make_client(business_name="Zephyr Live"), lines=[line()])
    connection.set_tenant(firm_b.firm)
    make_client(business_name="Zephyr Elsewhere")
    connection.set_schema_to_public()

    response = in_firm_a.client(Role.MANAGER).get("/search/", {"q": "zephyr"})

    assert hits(response, "clients") == ["Zephyr Live"]
    assert hits(response, "jobs") == []
    assert [title.split(" · ")[1] for title in hits(response, "invoices")] == ["Zephyr Live"]
    assert b"Elsewhere" not in response.content and b"Gone" not in response.content


@pytest.mark.parametrize("role", [Role.CLIENT_OWNER, Role.CLIENT_MEMBER])
def test_client_users_cannot_search_the_firm(firm_a, role):
    response = firm_a.client(role).get("/search/", {"q": "a"})

    assert response.status_code == 403


def test_an_empty_or_odd_query_is_a_page_not_an_error(firm_a):
    staff = firm_a.client(Role.AUDITOR)

    empty = staff.get("/search/")
    odd = staff.get("/search/", {"q": "\x00 & | ! :* ()" + "x" * 500})

    assert empty.status_code == 200 and b"Type a client" in empty.content
    assert odd.status_code == 200


def test_search_costs_a_fixed_number_of_queries(in_firm_a, django_assert_max_num_queries):
    for n in range(8):
        client = make_client(business_name=f"Delta {n}")
        draft_invoice(client, lines=[line()])
        make_job(client=client, name=f"Delta close {n}")
    connection.set_schema_to_public()
    staff = in_firm_a.client(Role.MANAGER)
    staff.get("/search/", {"q": "delta"})

    with django_assert_max_num_queries(12):
        response = staff.get("/search/", {"q": "delta"})

    assert len(hits(response, "clients")) == 5
    assert {g.key: g.more for g in response.context["results"].groups}["clients"] is True


def test_every_staff_page_has_the_search_box_and_the_portal_does_not(firm_a):
    staff_page = firm_a.client(Role.MANAGER).get("/staff/billing/invoices/")
    portal_page = firm_a.client(Role.CLIENT_OWNER).get("/portal/", follow=True)

    assert b'action="/search/"' in staff_page.content
    assert b'action="/search/"' not in portal_page.content
