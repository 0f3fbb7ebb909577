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


def refunded_commission(world, price: str, refund: str, currency: str = "USD"
                        ) -> tuple[RevenueShareEntry, list[RevenueShareEntry]]:
    """A paid marketplace invoice's commission and the reversals of a refund."""
    from apps.billing.payments import payment_refund

    connection.set_tenant(world.firm)
    client = make_client()
    engagement = marketplace_engagement_for(world, client)
    invoice = paid_invoice(client, marketplace_engagement_id=engagement.pk, currency=currency,
                           lines=[line(unit_price=price)])
    entry = revenue_share_record(invoice_id=invoice.pk)[0]
    payment_refund(payment=invoice.payments.get(), amount=Decimal(refund), reason="Refund")
    reversals = revenue_share_record(invoice_id=invoice.pk)
    connection.set_schema_to_public()
    return entry, reversals


def test_a_fully_reversed_commission_cannot_be_marked_paid(firm_a, django_user_model):
    entry, _reversals = refunded_commission(firm_a, "1000.00", "1000.00")
    staff = django_user_model.objects.create_user(email="ops2@platform.test", password=None,
                                                  is_staff=True)
    client = public_as(staff)

    marked = client.post("/billing/ledger/mark-paid/", {"entries": [entry.pk]}, follow=True)

    assert b"fully reversed" in marked.content
    entry.refresh_from_db()
    assert entry.payout_status == "pending"
    assert [r.payout_status for r in RevenueShareEntry.objects.filter(reverses=entry)] == [
        "pending"]
    totals = client.get("/billing/ledger/").context["totals"]
    assert [(t["currency"], t["pending"], t["paid"]) for t in totals] == [
        ("USD", Decimal("0.00"), Decimal("0.00"))]


def test_paying_a_partly_reversed_commission_settles_its_reversal(firm_a, django_user_model):
    entry, _reversals = refunded_commission(firm_a, "1000.00", "400.00")
    staff = django_user_model.objects.create_user(email="ops3@platform.test", password=None,
                                                  is_staff=True)
    client = public_as(staff)

    client.post("/billing/ledger/mark-paid/", {"entries": [entry.pk]})

    reversal = RevenueShareEntry.objects.get(reverses=entry)
    entry.refresh_from_db()
    assert (entry.payout_status, reversal.payout_status) == ("paid", "paid")
    totals = client.get("/billing/ledger/").context["totals"]
    # 850.00 payout less 340.00 reversed: 510.00 paid, nothing left pending.
    assert [(t["currency"], t["pending"], t["paid"]) for t in totals] == [
        ("USD", Decimal("0.00"), Decimal("510.00"))]


def test_a_refund_after_the_payout_is_a_clawback_that_can_be_settled(firm_a,
                                                                     django_user_model):
    from apps.billing.models import Invoice
    from apps.billing.payments import payment_refund

    entry = commission(firm_a)
    staff = django_user_model.objects.create_user(email="ops4@platform.test", password=None,
                                                  is_staff=True)
    client = public_as(staff)
    client.post("/billing/ledger/mark-paid/", {"entries": [entry.pk]})
    connection.set_tenant(firm_a.firm)
    invoice = Invoice.objects.get(pk=entry.invoice_id)
    payment_refund(payment=invoice.payments.get(), amount=Decimal("1000.00"), reason="Refund")
    reversal = revenue_share_record(invoice_id=invoice.pk)[0]
    connection.set_schema_to_public()

    pending = client.get("/billing/ledger/").context["totals"][0]["pending"]
    client.post("/billing/ledger/mark-paid/", {"entries": [reversal.pk]})

    assert pending == Decimal("-850.00")
    reversal.refresh_from_db()
    assert reversal.payout_status == "paid"
    totals = client.get("/billing/ledger/").context["totals"]
    assert [(t["pending"], t["paid"]) for t in totals] == [(Decimal("0.00"), Decimal("0.00"))]


def test_ledger_totals_are_per_currency(firm_a, django_user_model):
    usd = commission(firm_a, "1000.00")
    eur, _ = refunded_commission(firm_a, "200.00", "0.01", currency="EUR")
    staff = django_user_model.objects.create_user(email="ops5@platform.test", password=None,
                                                  is_staff=True)

    page = public_as(staff).get("/billing/ledger/")
    mine = public_as(usd.advisor.user).get("/billing/payouts/")

    totals = {t["currency"]: t for t in page.context["totals"]}
    assert set(totals) == {"USD", "EUR"}
    assert totals["USD"]["gross"] == Decimal("1000.00")
    assert totals["EUR"]["gross"] == Decimal("199.99")
    assert "$1,000.00" in page.content.decode() and "€199.99" in page.content.decode()
    assert [t["currency"] for t in mine.context["totals"]] == ["USD"]
    assert eur.currency == "EUR"
