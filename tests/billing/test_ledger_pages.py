"""The public site's ledger pages: advisors see their own payouts; platform staff see the
ledger and mark payouts paid; nobody else gets in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.accounts.roles import Role
from apps.ledger.models import RevenueShareEntry
from apps.ledger.services import revenue_share_record
from tests.billing.factories import line, marketplace_engagement_for, paid_invoice
from tests.conftest import sign_in
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


def commission(world, price: str = "1000.00") -> RevenueShareEntry:
    connection.set_tenant(world.firm)
    client = make_client()
    engagement = marketplace_engagement_for(world, client)
    invoice = paid_invoice(client, marketplace_engagement_id=engagement.pk,
                           lines=[line(unit_price=price)])
    entry = revenue_share_record(invoice_id=invoice.pk)[0]
    connection.set_schema_to_public()
    return entry


def public_as(user) -> Client:
    return sign_in(Client(HTTP_HOST=settings.BASE_DOMAIN), user)


def test_advisors_see_only_their_own_payouts(firm_a):
    mine, other = commission(firm_a, "1000.00"), commission(firm_a, "77.00")

    page = public_as(mine.advisor.user).get("/billing/payouts/")

    assert page.status_code == 200
    assert b"850.00" in page.content and mine.invoice_number.encode() in page.content
    assert other.invoice_number.encode() not in page.content


def test_a_person_without_an_advisor_profile_is_told_how_to_get_one(firm_a):
    page = public_as(firm_a.user(Role.OWNER)).get("/billing/payouts/")

    assert page.status_code == 200 and b"Create your advisor profile" in page.content


def test_platform_staff_mark_pending_payouts_paid(firm_a, django_user_model):
    entry = commission(firm_a)
    staff = django_user_model.objects.create_user(email="ops@platform.test", password=None,
                                                  is_staff=True)
    client = public_as(staff)

    ledger = client.get("/billing/ledger/", {"payout_status": "pending"})
    marked = client.post("/billing/ledger/mark-paid/", {"entries": [entry.pk, "99999999"]})

    assert ledger.status_code == 200 and entry.invoice_number.encode() in ledger.content
    assert marked.status_code == 302
    entry.refresh_from_db()
    assert (entry.payout_status, entry.paid_out_by_id) == ("paid", staff.pk)
    assert entry.gross_amount == Decimal("1000.00")
    assert client.get("/billing/ledger/", {"payout_status": "bogus"}).status_code == 400
    assert client.get("/billing/ledger/", {"firm": "x\x00"}).status_code == 400


def test_firm_owners_and_advisors_cannot_see_the_platform_ledger(firm_a):
    entry = commission(firm_a)

    for user in (firm_a.user(Role.OWNER), entry.advisor.user):
        client = public_as(user)
        assert client.get("/billing/ledger/").status_code == 403
        assert client.post("/billing/ledger/mark-paid/",
                           {"entries": [entry.pk]}).status_code == 403
    entry.refresh_from_db()
    assert entry.payout_status == "pending"
