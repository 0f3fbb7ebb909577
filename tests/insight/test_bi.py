"""Firm BI: every section against figures computed by hand from a small firm made here,
the materialized views' refresh (current after it, not before, lock), the period filter,
CSV export, and who may see it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.billing.models import Invoice, Payment
from apps.documents.models import Document
from apps.insight import bi
from apps.insight.bi_refresh import bi_refresh
from apps.portal.models import Engagement
from apps.work.models import Job, TimeEntry
from tests.portal.factories import make_client, make_document, make_engagement, make_invoice
from tests.work.factories import make_job, make_profile, make_template

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 15)
PERIOD = bi.Period(date(2026, 3, 1), date(2026, 4, 1))
D = Decimal


def _at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def firm(in_firm_a):
    world = in_firm_a
    partner, manager = world.user(Role.PARTNER), world.user(Role.MANAGER)
    bakery = make_client(business_name="Bakery", assigned_staff_id=manager.pk)
    dental = make_client(business_name="Dental")
    tax = make_engagement(bakery, type=Engagement.Type.TAX_RETURN, responsible_id=partner.pk)
    paid = make_invoice(bakery, total="1100.00", balance="0.00", tax_total=D("100.00"),
                        status=Invoice.Status.PAID, engagement=tax,
                        issue_date=date(2026, 3, 5), due_date=date(2026, 4, 4))
    Payment.objects.create(invoice=paid, amount=D("1100.00"), method="ach",
                           received_on=date(2026, 4, 10))
    part = make_invoice(bakery, total="500.00", balance="300.00",
                        status=Invoice.Status.PARTIALLY_PAID,
                        issue_date=date(2026, 3, 20), due_date=date(2026, 4, 19))
    Payment.objects.create(invoice=part, amount=D("200.00"), method="check",
                           received_on=date(2026, 4, 25))
    make_invoice(dental, total="300.00", status=Invoice.Status.OVERDUE,
                 issue_date=date(2026, 4, 2), due_date=date(2026, 4, 30))
    make_invoice(dental, total="200.00", currency="EUR", issue_date=date(2026, 4, 10),
                 due_date=date(2026, 5, 10))
    # Neither a draft nor a void invoice is revenue; the void one stops being owed.
    make_invoice(dental, total="999.00", status=Invoice.Status.DRAFT,
                 issue_date=date(2026, 3, 1), due_date=date(2026, 3, 31))
    make_invoice(dental, total="700.00", status=Invoice.Status.VOID,
                 issue_date=date(2026, 3, 10), due_date=date(2026, 4, 9),
                 voided_at=_at(date(2026, 3, 15)))

    template = make_template("Tax return flow")
    first = make_job(template, client=bakery)
    second = make_job(template, client=bakery)
    Job.objects.filter(pk=first.pk).update(created_at=_at(date(2026, 3, 1)),
                                           completed_at=_at(date(2026, 3, 11), 12))
    Job.objects.filter(pk=second.pk).update(created_at=_at(date(2026, 3, 5)),
                                            completed_at=_at(date(2026, 3, 8)))
    make_profile(partner, hours="20")
    entries = [  # user, day, minutes, billable, rate, invoice, billed
        (partner, date(2026, 3, 2), 120, True, "150.00", paid, "240.00"),
        (partner, date(2026, 3, 3), 60, False, "150.00", None, None),
        (manager, date(2026, 3, 10), 90, True, "100.00", None, None),
        (manager, date(2026, 4, 20), 30, True, "100.33", None, None),
    ]
    for user, day, minutes, billable, rate, invoice, billed in entries:
        TimeEntry.objects.create(user_id=user.pk, job=first, client=bakery, work_date=day,
                                 minutes=minutes, billable=billable, rate=D(rate),
                                 invoice=invoice, billed_amount=billed and D(billed))
    for status in ("processed", "processed", "needs_review", "approved"):
        document = make_document(bakery, status=status)
        Document.objects.filter(pk=document.pk).update(created_at=_at(date(2026, 3, 9)))
    make_document(dental, status="needs_review")  # arrived today: outside the period
    bi_refresh(today=TODAY)
    return world


def _rows(table: bi.Table, *keys: str) -> list[tuple]:
    return [tuple(row[k] for k in keys) for row in table.rows]


def test_revenue_by_month_service_line_and_partner(firm):
    partner, manager = firm.user(Role.PARTNER), firm.user(Role.MANAGER)

    assert _rows(bi.revenue_by_month(PERIOD), "month_label", "currency", "invoices",
                 "billed") == [("Mar 2026", "USD", 2, D("1500.00")),
                               ("Apr 2026", "EUR", 1, D("200.00")),
                               ("Apr 2026", "USD", 1, D("300.00"))]
    assert sorted(_rows(bi.revenue_by_service_line(PERIOD), "service_line_label",
                        "currency", "billed")) == [
        ("No engagement", "EUR", D("200.00")), ("No engagement", "USD", D("800.00")),
        ("Tax return", "USD", D("1000.00"))]
    assert sorted(_rows(bi.revenue_by_partner(PERIOD), "partner", "currency", "billed")) \
        == sorted([(str(partner), "USD", D("1000.00")), (str(manager), "USD", D("500.00")),
                   ("Nobody assigned", "USD", D("300.00")),
                   ("Nobody assigned", "EUR", D("200.00"))])
    # A period without the March invoices leaves them out.
    april = bi.Period(date(2026, 4, 1), date(2026, 4, 1))
    assert {r["billed"] for r in bi.revenue_by_month(april).rows} == {D("200.00"), D("300.00")}


def test_realization_wip_aging_and_utilization(firm):
    partner, manager = firm.user(Role.PARTNER), firm.user(Role.MANAGER)

    march, april = bi.realization_by_month(PERIOD).rows
    assert (march["billable_hours"], march["standard_value"], march["billed_standard_value"],
            march["billed_amount"], march["realization"]) == (
        D("3.50"), D("450.00"), D("300.00"), D("240.00"), D("80.0"))
    # 30 min at 100.33 = 50.165, rounded per entry to 50.17; nothing billed: no realization
    assert (april["standard_value"], april["realization"]) == (D("50.17"), None)

    wip = {r["age"]: (r["entries"], r["hours"], r["standard_value"])
           for r in bi.wip_aging().rows}
    assert wip == {"0-30 days": (1, D("0.50"), D("50.17")),
                   "31-60 days": (0, D("0.00"), D("0.00")),
                   "61-90 days": (1, D("1.50"), D("150.00")),  # 66 days before May 15
                   "More than 90 days": (0, D("0.00"), D("0.00"))}

    use = {r["user_id"]: r for r in bi.utilization(PERIOD).rows}
    # 61 days = 8.714 weeks: 20 h a week -> 174.29 h; the default 40 h -> 348.57 h
    assert (use[partner.pk]["hours"], use[partner.pk]["billable_hours"],
            use[partner.pk]["capacity_hours"], use[partner.pk]["utilization"]) == (
        D("3.00"), D("2.00"), D("174.29"), D("1.1"))
    assert (use[manager.pk]["billable_hours"], use[manager.pk]["capacity_hours"],
            use[manager.pk]["utilization"]) == (D("2.00"), D("348.57"), D("0.6"))


def test_turnaround_invoice_aging_trend_and_documents(firm):
    (row,) = bi.turnaround(PERIOD).rows
    # 10.5 days and 3 days
    assert (row["job_type"], row["jobs"], row["average_days"], row["longest_days"]) == (
        "Tax return flow", 2, D("6.8"), D("10.5"))

    aging = {(r["month_label"], r["currency"]): r
             for r in bi.aging_trend(bi.Period(date(2026, 3, 1), date(2026, 5, 1))).rows}
    assert set(aging) == {("Mar 2026", "USD"), ("Apr 2026", "USD"), ("Apr 2026", "EUR"),
                          ("May 2026", "USD"), ("May 2026", "EUR")}
    # Mar 31: both Bakery invoices owed in full, not yet due; the void one no longer counts
    assert (aging[("Mar 2026", "USD")]["current"], aging[("Mar 2026", "USD")]["total"]) == (
        D("1600.00"), D("1600.00"))
    # Apr 30: the paid one is gone, 300 left on the part-paid one (11 days late), Dental's
    # falls due that day
    apr = aging[("Apr 2026", "USD")]
    assert (apr["current"], apr["1_30"], apr["total"]) == (D("300.00"), D("300.00"),
                                                          D("600.00"))
    # May 15 (today): both 1-30 days late; the euro invoice 5 days late
    may = aging[("May 2026", "USD")]
    assert (may["1_30"], may["total"], aging[("May 2026", "EUR")]["1_30"]) == (
        D("600.00"), D("600.00"), D("200.00"))

    (march,) = bi.documents(PERIOD).rows
    assert (march["uploaded"], march["classified_automatically"], march["reviewed"],
            march["awaiting_review"]) == (4, 2, 1, 1)


def test_the_views_change_only_when_refreshed_and_then_match_the_base_tables(firm):
    client = make_client(business_name="Late Joiner")
    make_invoice(client, total="50.00", issue_date=date(2026, 4, 3),
                 due_date=date(2026, 5, 3))

    def april_usd(live: bool = False) -> Decimal:
        return next(r["billed"] for r in bi.revenue_by_month(PERIOD, live=live).rows
                    if r["month_label"] == "Apr 2026" and r["currency"] == "USD")

    assert (april_usd(), april_usd(live=True)) == (D("300.00"), D("350.00"))
    timings = bi_refresh(today=TODAY)
    assert set(timings) == {"insight_bi_revenue", "insight_bi_time", "insight_bi_wip",
                            "insight_bi_turnaround", "insight_bi_aging",
                            "insight_bi_documents"}
    assert april_usd() == D("350.00")
    for view, live in zip(bi.all_tables(PERIOD), bi.all_tables(PERIOD, live=True),
                          strict=True):
        assert view.rows == live.rows, view.slug


def test_a_second_refresh_of_the_same_firm_skips_while_one_runs(in_firm_a):
    import psycopg

    # (Not after the `firm` fixture: its refresh holds the lock until the test's
    # transaction ends.)
    key = f"insight-bi-refresh:{connection.schema_name}"
    # Another session (as a second worker would be) holds this firm's refresh lock.
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
        assert bi_refresh() is None
        other.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])
    assert bi_refresh() is not None


def test_the_refresh_is_on_beat_and_runs_through_the_firm_task(firm):
    from advisoros.beat import BEAT_SCHEDULE
    from apps.insight.tasks import bi_refresh_task

    entry = BEAT_SCHEDULE["insight-bi-refresh"]
    assert entry["task"] == "advisoros.tasks.dispatch_to_firms"
    assert entry["args"] == ["insight.bi_refresh"]
    assert entry["options"]["expires"] < entry["schedule"]
    assert "insight_bi_revenue" in bi_refresh_task()


def test_the_page_shows_every_section_with_charts_in_few_queries(
        firm, firm_a, django_assert_max_num_queries):
    page = firm_a.client(Role.PARTNER)
    # session and permission (about 12), nine sections, four name lookups, refresh time
    with django_assert_max_num_queries(31):
        response = page.get("/insight/bi/?from=2026-03&to=2026-04")
    body = response.content.decode()
    assert response.status_code == 200
    for title in ("Revenue by month", "Revenue by service line", "Revenue by partner",
                  "Realization", "Work in progress by age", "Utilization by staff member",
                  "Turnaround by job type", "Invoice aging trend",
                  "Document volume and review backlog"):
        assert title in body
    assert "Tax return" in body and "$1,500.00" in body and "80\u00a0%" in body
    assert "tax_return" not in body.replace('"tax_return"', "")  # human labels only
    assert "vendor/chartjs/chart.umd.min.js" in body and "bi-chart-canvas" in body

    # The rendered sections are kept until the next refresh, which shows the new invoice.
    make_invoice(make_client(), total="1000.00", issue_date=date(2026, 3, 6),
                 due_date=date(2026, 4, 5))
    assert "2,500.00" not in page.get("/insight/bi/?from=2026-03&to=2026-04").content.decode()
    bi_refresh(today=TODAY)
    assert "2,500.00" in page.get("/insight/bi/?from=2026-03&to=2026-04").content.decode()


def test_a_bad_period_is_a_clear_error(firm, firm_a):
    page = firm_a.client(Role.PARTNER)
    response = page.get("/insight/bi/?from=2026-13&to=2026-04")
    assert response.status_code == 400
    assert "Give the first month as YYYY-MM" in response.content.decode()
    response = page.get("/insight/bi/?from=2026-05&to=2026-04")
    assert "The last month cannot be before the first." in response.content.decode()
    assert page.get("/insight/bi/export/revenue-by-month.csv?from=x&to=y").status_code == 400
    assert page.get("/insight/bi/export/no-such-report.csv").status_code == 404


def test_each_section_exports_the_figures_it_shows_as_csv(firm, firm_a):
    page = firm_a.client(Role.OWNER)
    response = page.get("/insight/bi/export/revenue-by-service-line.csv?from=2026-03&to=2026-04")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "revenue-by-service-line-2026-03-to-2026-04.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Service line", "Currency", "Invoices", "Revenue billed"]
    assert sorted(rows[1:]) == [["No engagement", "EUR", "1", "200.00"],
                                ["No engagement", "USD", "2", "800.00"],
                                ["Tax return", "USD", "1", "1000.00"]]
    for section in bi.SECTIONS:
        assert page.get(f"/insight/bi/export/{section}.csv").status_code == 200, section


@pytest.mark.parametrize("role,allowed", [
    (Role.OWNER, True), (Role.ADMIN, True), (Role.PARTNER, True), (Role.MANAGER, False),
    (Role.SENIOR_ACCOUNTANT, False), (Role.AUDITOR, False), (Role.CLIENT_OWNER, False)])
def test_only_the_firms_leadership_sees_bi(firm_a, role, allowed):
    page = firm_a.client(role)
    for url in ("/insight/bi/", "/insight/bi/export/utilization.csv", "/insight/roi/"):
        status = page.get(url).status_code
        assert (status == 200) is allowed, (url, status)
        assert status in (200, 302, 403)


def test_the_firm_forecast_page_leads_leadership_to_bi_and_roi(firm_a):
    assert "/insight/bi/" in firm_a.client(Role.PARTNER).get("/insight/forecast/").content.decode()
    manager_page = firm_a.client(Role.MANAGER).get("/insight/forecast/").content.decode()
    assert "/insight/bi/" not in manager_page and "/insight/roi/" not in manager_page
