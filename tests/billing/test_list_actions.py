"""Lists with a way to create, and dashboard cards that open the list they count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from tests.billing.factories import draft_invoice, paid_invoice, sent_invoice
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


def test_new_invoice_from_the_list_picks_a_live_client_then_opens_the_editor(in_firm_a):
    acme = make_client(business_name="Acme Robotics")
    make_client(business_name="Archived Co", deleted_at=timezone.now())
    connection.set_schema_to_public()
    staff = in_firm_a.client(Role.BOOKKEEPER)

    listing = staff.get("/staff/billing/invoices/").content.decode()
    picker = staff.get("/staff/billing/invoices/new/")
    chosen = staff.get("/staff/billing/invoices/new/", {"client": acme.pk})
    recurring = staff.get("/staff/billing/invoices/new/", {"client": acme.pk,
                                                           "make": "recurring"})
    unknown = staff.get("/staff/billing/invoices/new/", {"client": "999999"})

    assert 'href="/staff/billing/invoices/new/"' in listing
    assert picker.status_code == 200
    assert b"Acme Robotics" in picker.content and b"Archived Co" not in picker.content
    assert chosen.status_code == 302
    assert chosen["Location"] == f"/staff/billing/clients/{acme.pk}/invoices/new/"
    assert recurring["Location"] == f"/staff/billing/clients/{acme.pk}/recurring/new/"
    assert unknown.status_code == 400


def test_people_who_cannot_bill_see_no_new_invoice_button_and_cannot_pick(firm_a):
    staff = firm_a.client(Role.STAFF_ACCOUNTANT)

    listing = staff.get("/staff/billing/invoices/").content.decode()
    picker = staff.get("/staff/billing/invoices/new/")

    assert "/staff/billing/invoices/new/" not in listing
    assert picker.status_code == 403


def test_the_open_filter_lists_what_is_still_owed(in_firm_a):
    owed = sent_invoice()
    paid = paid_invoice()
    draft = draft_invoice()
    connection.set_schema_to_public()

    page = in_firm_a.client(Role.MANAGER).get("/staff/billing/invoices/", {"status": "open"})

    numbers = [row["number"] for row in page.context["page"].object_list]
    assert numbers == [owed.number]
    assert paid.number not in numbers and draft.number not in numbers


def test_dashboard_cards_link_to_the_lists_they_count(firm_a):
    page = firm_a.client(Role.MANAGER).get("/").content.decode()

    for href in ('href="/staff/clients/?status=active"',
                 'href="/staff/billing/invoices/?status=open"',
                 'href="/staff/billing/invoices/?status=paid"', 'href="/work/"',
                 'href="/documents/?status=needs_review"'):
        assert href in page
