"""Forecast runs over a firm's invoices and payments: what is stored, progress, skipping
unchanged series, currencies, and who sees which forecast."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.billing.payments import payment_record
from apps.insight import selectors, services
from apps.insight.models import Flow, Forecast, ForecastRun
from tests.billing.factories import line, sent_invoice
from tests.eager import tasks_inline
from tests.insight.factories import monthly_history, months_back
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db

SEASONAL = [str(1000 + 300 * (i % 12 in (2, 3)) + 10 * i) for i in range(18)]


def _run(capture, **kwargs) -> ForecastRun:
    with tasks_inline(), capture(execute=True):
        run = services.forecast_run_start(**kwargs)
    run.refresh_from_db()
    return run


@pytest.fixture
def two_clients(in_firm_a):
    long_client = make_client(business_name="Seasonal Bakery")
    short_client = make_client(business_name="New Dental")
    monthly_history(long_client, SEASONAL)
    monthly_history(short_client, ["200", "0", "250", "300", "280"])
    return long_client, short_client


def test_a_run_forecasts_every_client_and_the_firm_with_progress(
        two_clients, django_capture_on_commit_callbacks):
    long_client, short_client = two_clients

    run = _run(django_capture_on_commit_callbacks, horizon=6)

    # 2 flows for each client and for the firm
    assert (run.status, run.total, run.done, run.skipped, run.failed) == ("done", 6, 6, 0, 0)
    long_billed = Forecast.objects.get(client=long_client, flow=Flow.BILLED)
    assert long_billed.currency == "USD" and not long_billed.short_history
    assert len(long_billed.history) == 18 and len(long_billed.points) == 6
    assert long_billed.history[-1]["amount"] == f"{Decimal(SEASONAL[-1]):.2f}"
    assert long_billed.mase is not None and long_billed.baseline == "SeasonalNaive"
    point = long_billed.points[0]
    assert Decimal(point["lo95"]) <= Decimal(point["lo80"]) <= Decimal(point["mean"]) \
        <= Decimal(point["hi80"]) <= Decimal(point["hi95"])
    short = Forecast.objects.get(client=short_client, flow=Flow.RECEIPTS)
    assert short.short_history and short.method in {"Naive", "Mean", "Drift"}
    # the month without an invoice counts as zero, not as missing
    assert [h["amount"] for h in short.history] == ["200.00", "0.00", "250.00", "300.00",
                                                    "280.00"]
    firm = Forecast.objects.get(client=None, flow=Flow.BILLED, currency="USD")
    assert firm.history[-1]["amount"] == f"{Decimal(SEASONAL[-1]) + 280:.2f}"


def test_a_second_run_skips_unchanged_series_and_refits_changed_ones(
        two_clients, django_capture_on_commit_callbacks):
    long_client, short_client = two_clients
    _run(django_capture_on_commit_callbacks)
    before = dict(Forecast.objects.values_list("pk", "updated_at"))

    again = _run(django_capture_on_commit_callbacks)

    assert (again.total, again.skipped, again.done) == (6, 6, 6)
    assert dict(Forecast.objects.values_list("pk", "updated_at")) == before

    # An invoice two months ago paid last month changes the short client's and the firm's
    # series; the long client's two are skipped.
    invoice = sent_invoice(short_client, lines=[line(unit_price="40.00")],
                           issue_date=months_back(2)[0])
    payment_record(invoice=invoice, amount="40.00", method="ach",
                   received_on=months_back(1)[0].replace(day=28))
    third = _run(django_capture_on_commit_callbacks)

    assert (third.total, third.skipped) == (6, 2)
    changed = Forecast.objects.get(client=short_client, flow=Flow.RECEIPTS)
    assert changed.updated_at != before[changed.pk]
    assert changed.history[-1]["amount"] == "320.00"
    untouched = Forecast.objects.get(client=long_client, flow=Flow.RECEIPTS)
    assert untouched.updated_at == before[untouched.pk]


def test_each_currency_is_its_own_series(in_firm_a):
    client = make_client(business_name="Two Currencies Ltd")
    monthly_history(client, ["100", "100", "100"], paid=False)
    monthly_history(client, ["90", "95"], paid=False, currency="EUR")

    found = {(s.key.client_id, s.key.flow, s.key.currency): s.amounts
             for s in selectors.series_all()}

    assert found[(client.pk, Flow.BILLED, "USD")] == [Decimal("100")] * 3
    assert found[(client.pk, Flow.BILLED, "EUR")] == [Decimal("90"), Decimal("95")]
    assert (None, Flow.BILLED, "EUR") in found  # never added into the dollars


def test_a_refund_can_make_a_month_negative(in_firm_a):
    from apps.billing.payments import payment_refund

    client = make_client()
    invoice = monthly_history(client, ["500", "500"])[0]
    payment_refund(payment=invoice.payments.get(), amount="500.00", reason="Duplicate charge")
    # counted up to the end of this month, in which the refund was made
    until = selectors._next_month(selectors.current_month())

    receipts = next(s for s in selectors.series_all(client_id=client.pk, until=until)
                    if s.key.flow == Flow.RECEIPTS)

    assert receipts.amounts == [Decimal("500"), Decimal("500"), Decimal("-500")]


def test_a_bad_horizon_is_refused(in_firm_a):
    with pytest.raises(ValueError, match="3 to 12"):
        services.forecast_run_start(horizon=24)


def _page_queries(client, url: str, django_assert_max_num_queries, limit: int):
    client.get(url)  # warm session and role caches
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_staff_pages_show_the_forecast_with_its_error_in_few_queries(
        firm_a, two_clients, django_capture_on_commit_callbacks,
        django_assert_max_num_queries):
    long_client, _ = two_clients
    _run(django_capture_on_commit_callbacks)
    staff = firm_a.client(Role.MANAGER)

    body = _page_queries(staff, f"/insight/clients/{long_client.pk}/forecast/",
                         django_assert_max_num_queries, 8)
    assert "Revenue billed (USD)" in body and "Backtest error: MASE" in body
    assert "forecast-chart" in body and "chart.umd.min.js" in body
    detail = staff.get(f"/staff/clients/{long_client.pk}/").content.decode()
    assert f"/insight/clients/{long_client.pk}/forecast/" in detail

    firm_body = _page_queries(firm_a.client(Role.PARTNER), "/insight/forecast/",
                              django_assert_max_num_queries, 10)
    assert "Cash received (USD)" in firm_body and "Last refreshed" in firm_body


def test_refresh_needs_reports_permission(firm_a, two_clients):
    connection.set_tenant(firm_a.firm)
    response = firm_a.client(Role.STAFF_ACCOUNTANT).post("/insight/forecast/refresh/",
                                                         {"horizon": "6"})

    assert response.status_code == 403
    assert not ForecastRun.objects.exists()


def test_a_client_user_sees_only_their_own_forecast(
        firm_a, two_clients, django_capture_on_commit_callbacks,
        django_assert_max_num_queries):
    long_client, short_client = two_clients
    _run(django_capture_on_commit_callbacks)
    give_access(firm_a.user(Role.CLIENT_OWNER), long_client)
    portal = firm_a.client(Role.CLIENT_OWNER)

    body = _page_queries(portal, f"/portal/{long_client.pk}/forecast/",
                         django_assert_max_num_queries, 8)
    assert "Seasonal Bakery" in body and "Revenue billed (USD)" in body
    assert "New Dental" not in body
    assert portal.get(f"/portal/{short_client.pk}/forecast/").status_code == 404
    assert portal.get(f"/insight/clients/{long_client.pk}/forecast/").status_code in (302, 403)


def test_synced_books_give_receipts_disbursements_and_net(in_firm_a):
    from apps.integrations.models import QuickBooksConnection, SyncedRecord

    client = make_client(business_name="Connected Cafe")
    connection_row = QuickBooksConnection.objects.create(client=client, realm_id="9130001",
                                                         home_currency="CAD")
    first, second = months_back(2)
    rows = [("Payment", first, "1000.00"), ("Deposit", second, "300.00"),
            ("Purchase", first, "400.00"), ("BillPayment", second, "900.00"),
            # accruals and deleted records do not move cash
            ("Invoice", first, "5000.00"), ("Bill", second, "7000.00")]
    for number, (entity, month, total) in enumerate(rows):
        SyncedRecord.objects.create(connection=connection_row, realm_id="9130001",
                                    entity=entity, qbo_id=str(number), txn_date=month,
                                    total=Decimal(total))
    SyncedRecord.objects.create(connection=connection_row, realm_id="9130001",
                                entity="Payment", qbo_id="gone", txn_date=first,
                                total=Decimal("50.00"), deleted=True)

    found = {s.key.flow: (s.key.currency, s.amounts)
             for s in selectors.series_all(client_id=client.pk)}

    assert found[Flow.BOOKS_RECEIPTS] == ("CAD", [Decimal("1000.00"), Decimal("300.00")])
    assert found[Flow.BOOKS_DISBURSEMENTS] == ("CAD", [Decimal("400.00"), Decimal("900.00")])
    assert found[Flow.BOOKS_NET] == ("CAD", [Decimal("600.00"), Decimal("-600.00")])


def test_the_nightly_refresh_is_on_beat_and_runs_through_the_firm_task(two_clients):
    from advisoros.beat import BEAT_SCHEDULE
    from apps.insight.tasks import forecasts_refresh

    entry = BEAT_SCHEDULE["insight-forecasts-refresh"]
    assert entry["task"] == "advisoros.tasks.dispatch_to_firms"
    assert entry["args"] == ["insight.forecasts_refresh"]
    assert entry["options"]["expires"] < 24 * 60 * 60

    assert forecasts_refresh() == "done"
    assert forecasts_refresh() == "done"  # a second night with nothing new skips it all

    first, second = ForecastRun.objects.order_by("pk")
    assert (first.total, first.skipped, second.skipped) == (6, 0, 6)
