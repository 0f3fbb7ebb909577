"""Aging and revenue reports: exact buckets, per client, the naive way agrees, revenue by
month / engagement type / advisor, CSV exports that are audited and formula-safe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.billing.models import Invoice
from apps.billing.payments import payment_record, payment_refund
from apps.billing.reports import (
    Period,
    aging,
    aging_by_client,
    aging_naive,
    revenue_by_advisor,
    revenue_by_engagement_type,
    revenue_by_month,
)
from tests.billing.factories import (
    draft_invoice,
    line,
    marketplace_engagement_for,
    paid_invoice,
    sent_invoice,
)
from tests.portal.factories import make_client, make_engagement

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


def due_on(client, due: date, amount: str) -> Invoice:
    invoice = sent_invoice(client, issue_date=due, payment_terms="due_on_receipt",
                           lines=[line(unit_price=amount)])
    return invoice


def build_ledger() -> tuple:
    acme, zenith = make_client(business_name="Acme"), make_client(business_name="=Zenith")
    due_on(acme, date(2026, 7, 15), "10.00")      # current
    due_on(acme, date(2026, 6, 30), "20.00")      # due today: current
    due_on(acme, date(2026, 6, 29), "30.00")      # 1 day late
    due_on(zenith, date(2026, 5, 31), "40.00")    # 30 days: 1-30
    due_on(zenith, date(2026, 5, 30), "50.00")    # 31 days: 31-60
    due_on(zenith, date(2026, 4, 1), "60.00")     # 90 days: 61-90
    partly = due_on(zenith, date(2026, 3, 1), "70.00")  # 121 days: 90+
    payment_record(invoice=partly, amount=Decimal("7.00"), method="ach",
                   received_on=date(2026, 3, 5))
    paid_invoice(acme, issue_date=date(2026, 1, 1))   # not open
    draft_invoice(acme, issue_date=date(2026, 1, 1))  # not issued
    return acme, zenith


def test_aging_buckets_open_balances_by_days_past_due(in_firm_a):
    build_ledger()

    figures = aging(as_of=AS_OF)

    assert figures == {"current": Decimal("30.00"), "days_1_30": Decimal("70.00"),
                       "days_31_60": Decimal("50.00"), "days_61_90": Decimal("60.00"),
                       "days_90_plus": Decimal("63.00"), "total": Decimal("273.00"),
                       "invoices": 7}
    assert aging_naive(as_of=AS_OF) == figures


def test_aging_per_client_largest_first(in_firm_a, django_assert_num_queries):
    build_ledger()

    # Two queries: the aggregate and the names (the search path is already set).
    with django_assert_num_queries(2):
        rows = aging_by_client(as_of=AS_OF)

    assert [(r["client_name"], r["total"], r["days_90_plus"]) for r in rows] == [
        ("=Zenith", Decimal("213.00"), Decimal("63.00")),
        ("Acme", Decimal("60.00"), Decimal("0.00"))]


def test_revenue_by_month_type_and_advisor(in_firm_a):
    client = make_client()
    tax = make_engagement(client, type="tax_return")
    paid_invoice(client, engagement=tax, issue_date=date(2026, 1, 10),
                 lines=[line(unit_price="100.00", tax_rate="0.10")])
    refunded = paid_invoice(client, issue_date=date(2026, 1, 20),
                            lines=[line(unit_price="50.00")])
    payment_refund(payment=refunded.payments.get(), amount=Decimal("5.00"), reason="Credit")
    mkt = marketplace_engagement_for(in_firm_a, client)
    sent_invoice(client, issue_date=date(2026, 2, 3), marketplace_engagement_id=mkt.pk,
                 lines=[line(unit_price="300.00")])
    draft_invoice(client, issue_date=date(2026, 2, 4))
    period = Period(start=date(2026, 1, 1), end=date(2026, 3, 1))

    months = revenue_by_month(period=period)
    types = revenue_by_engagement_type(period=period)
    advisors = revenue_by_advisor(period=period, firm_id=in_firm_a.firm.pk)

    assert [(m["month"], m["invoices"], m["invoiced"], m["tax"], m["collected"],
             m["outstanding"]) for m in months] == [
        (date(2026, 1, 1), 2, Decimal("150.00"), Decimal("10.00"), Decimal("155.00"),
         Decimal("0.00")),
        (date(2026, 2, 1), 1, Decimal("300.00"), Decimal("0.00"), Decimal("0.00"),
         Decimal("300.00"))]
    assert {t["engagement_type"]: t["invoiced"] for t in types} == {
        "Tax return": Decimal("100.00"), "No engagement": Decimal("350.00")}
    assert len(advisors) == 1 and advisors[0]["invoiced"] == Decimal("300.00")
    assert advisors[0]["advisor_id"] == mkt.advisor_id


def test_reports_page_and_csv_export_are_audited_and_formula_safe(in_firm_a):
    from django.db import connection

    build_ledger()
    connection.set_schema_to_public()
    client = in_firm_a.client(Role.MANAGER)

    page = client.get("/staff/billing/reports/", {"as_of": "2026-06-30"})
    export = client.get("/staff/billing/reports/aging_by_client.csv", {"as_of": "2026-06-30"})
    body = b"".join(export.streaming_content).decode()

    assert page.status_code == 200
    assert b"273.00" in page.content
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert body.splitlines()[1].startswith("'=Zenith,")
    connection.set_tenant(in_firm_a.firm)
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.details["report"] == "aging_by_client" and event.details["rows"] == 2


@pytest.mark.parametrize("query", [{"as_of": "yesterday"}, {"start": "2026-02-01",
                                                             "end": "2026-01-01"},
                                   {"as_of": "1800-01-01"}, {"page": "-1"},
                                   {"as_of": "2026-01-01\x00"}])
def test_bad_report_dates_are_a_400(firm_a, query):
    client = firm_a.client(Role.MANAGER)

    assert client.get("/staff/billing/reports/", query).status_code == 400
    assert client.get("/staff/billing/reports/aging.csv", query).status_code == 400


def test_unknown_report_is_404_and_reports_need_the_permission(firm_a):
    assert firm_a.client(Role.MANAGER).get(
        "/staff/billing/reports/everything.csv").status_code == 404
    assert firm_a.client(Role.STAFF_ACCOUNTANT).get(
        "/staff/billing/reports/").status_code == 403
