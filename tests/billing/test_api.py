"""Billing API: invoices, payments (idempotent), revenue shares; filters, cursor pages,
permissions and bad input as 400s."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.billing.models import Invoice, Payment
from apps.ledger.services import revenue_share_record
from tests.billing.factories import (
    draft_invoice,
    line,
    marketplace_engagement_for,
    paid_invoice,
    sent_invoice,
)
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"


def in_public() -> None:
    connection.set_schema_to_public()


def invoice_body(client_id: int, **fields) -> dict:
    body = {"client": client_id, "issue_date": "2026-05-01", "currency": "USD",
            "lines": [{"description": "Bookkeeping", "quantity": "2", "unit_price": "80.00",
                       "tax_rate": "0.0825"}]}
    body.update(fields)
    return body


def test_create_read_send_and_pay_an_invoice(in_firm_a):
    client = make_client()
    in_public()
    api = in_firm_a.client(Role.MANAGER)

    created = api.post(f"{API}/invoices/", invoice_body(client.pk), content_type="application/json")
    pk = created.json()["id"]
    sent = api.post(f"{API}/invoices/{pk}/send/")
    headers = {"HTTP_IDEMPOTENCY_KEY": "api-pay-000001"}
    body = {"invoice": pk, "amount": "173.20", "method": "wire"}
    first = api.post(f"{API}/payments/", body, content_type="application/json", **headers)
    retry = api.post(f"{API}/payments/", body, content_type="application/json", **headers)
    read = api.get(f"{API}/invoices/{pk}/")

    assert created.status_code == 201
    assert created.json()["total"] == "173.20" and created.json()["tax_total"] == "13.20"
    assert [li["amount"] for li in created.json()["lines"]] == ["160.00"]
    assert sent.json()["status"] == "sent"
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    assert read.json()["status"] == "paid" and read.json()["balance"] == "0.00"
    connection.set_tenant(in_firm_a.firm)
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"currency": "XYZ"}, "currency"),
    ({"lines": [{"description": "x", "quantity": "-3", "unit_price": "1.00"}]}, "lines"),
    ({"lines": [{"description": "x", "unit_price": "99999999999999"}]}, "lines"),
    ({"lines": [{"description": "a\x00b", "unit_price": "1.00"}]}, "lines"),
    ({"lines": [{"description": "x" * 10_000, "unit_price": "1.00"}]}, "lines"),
    ({"lines": []}, "lines"),
    ({"notes": "n" * 10_000}, "notes"),
    ({"payment_terms": "whenever"}, "payment_terms"),
    ({"client": -1}, "client"),
    ({"client": 10**12}, "client"),
    ({"marketplace_engagement": 10**12}, "marketplace_engagement"),
])
def test_bad_invoices_are_400_naming_the_field(in_firm_a, change, field):
    client = make_client()
    in_public()

    response = in_firm_a.client(Role.MANAGER).post(
        f"{API}/invoices/", invoice_body(client.pk, **change), content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()
    connection.set_tenant(in_firm_a.firm)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(("body", "headers", "field"), [
    ({"amount": "10.00", "method": "ach"}, {}, "Idempotency-Key"),
    ({"amount": "-10.00", "method": "ach"}, {"HTTP_IDEMPOTENCY_KEY": "k-000001"}, "amount"),
    ({"amount": "1e20", "method": "ach"}, {"HTTP_IDEMPOTENCY_KEY": "k-000002"}, "amount"),
    ({"amount": "10.00", "method": "gold"}, {"HTTP_IDEMPOTENCY_KEY": "k-000003"}, "method"),
    ({"amount": "500.00", "method": "ach"}, {"HTTP_IDEMPOTENCY_KEY": "k-000004"}, "amount"),
    ({"amount": "10.00", "method": "ach"}, {"HTTP_IDEMPOTENCY_KEY": "short"}, "Idempotency-Key"),
])
def test_bad_payments_are_400_and_record_nothing(in_firm_a, body, headers, field):
    invoice = sent_invoice(lines=[line(unit_price="100.00")])
    in_public()

    response = in_firm_a.client(Role.BOOKKEEPER).post(
        f"{API}/payments/", {"invoice": invoice.pk, **body}, content_type="application/json",
        **headers)

    assert response.status_code == 400
    assert field in response.json()
    connection.set_tenant(in_firm_a.firm)
    assert not Payment.objects.exists()


def test_paying_a_void_invoice_is_refused_clearly(in_firm_a):
    invoice = sent_invoice()
    in_public()
    api = in_firm_a.client(Role.MANAGER)
    api.post(f"{API}/invoices/{invoice.pk}/void/", {"reason": "Duplicate"},
             content_type="application/json")

    response = api.post(f"{API}/payments/", {"invoice": invoice.pk, "amount": "1.00",
                                              "method": "ach"},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="void-pay-01")

    assert response.status_code == 400
    assert "void" in response.json()["invoice"][0]


def test_list_filters_and_cursor_pages(in_firm_a):
    for _ in range(3):
        sent_invoice()
    paid_invoice()
    draft_invoice()
    in_public()
    api = in_firm_a.client(Role.STAFF_ACCOUNTANT)

    sent = api.get(f"{API}/invoices/", {"status": "sent"}).json()
    first = api.get(f"{API}/invoices/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert len(sent["results"]) == 3
    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
    for query in ({"status": "late"}, {"client": "abc"}, {"cursor": "!!!"},
                  {"page_size": "0"}, {"due_before": "soon"}, {"number": "a\x00"},
                  {"currency": "XYZ"}):
        assert api.get(f"{API}/invoices/", query).status_code == 400, query


def test_invoice_list_queries_do_not_grow_with_rows(in_firm_a):
    def count() -> int:
        in_public()
        api = in_firm_a.client(Role.MANAGER)
        api.get(f"{API}/invoices/")
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{API}/invoices/").status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    sent_invoice()
    few = count()
    for _ in range(20):
        sent_invoice()

    assert count() == few


def test_revenue_shares_show_the_firms_own_entries(in_firm_a):
    client = make_client()
    engagement = marketplace_engagement_for(in_firm_a, client)
    invoice = paid_invoice(client, marketplace_engagement_id=engagement.pk,
                           lines=[line(unit_price="2000.00")])
    revenue_share_record(invoice_id=invoice.pk)
    in_public()

    rows = in_firm_a.client(Role.MANAGER).get(f"{API}/revenue-shares/").json()["results"]

    assert [(r["kind"], r["gross_amount"], r["platform_fee"], r["advisor_payout"])
            for r in rows] == [("commission", "2000.00", "300.00", "1700.00")]


@pytest.mark.parametrize(("role", "method", "path"), [
    (Role.STAFF_ACCOUNTANT, "post", "/invoices/"),
    (Role.STAFF_ACCOUNTANT, "post", "/payments/"),
    (Role.STAFF_ACCOUNTANT, "get", "/revenue-shares/"),
    (Role.CLIENT_OWNER, "get", "/invoices/"),
    (Role.CLIENT_OWNER, "get", "/payments/"),
])
def test_permissions_are_checked(firm_a, role, method, path):
    response = getattr(firm_a.client(role), method)(f"{API}{path}", {},
                                                    content_type="application/json")

    assert response.status_code == 403
