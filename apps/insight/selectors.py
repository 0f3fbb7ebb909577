"""Reads: the monthly series forecasts are made from, and the stored forecasts pages show.

A series is one flow of one client (or the whole firm) in one currency, month by month from
its first month with money to the last complete month (the current month is partial and
left out), months without money counted as zero. Amounts stay Decimal here; the engine
gets floats and its answers come back as Decimal (services).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.insight.models import Flow, Forecast, ForecastRun

# Cash, not accruals: a QuickBooks Invoice or Bill is paid later by a Payment or a
# BillPayment, which are what move money; counting both would count it twice.
BOOKS_RECEIPT_ENTITIES = ("Payment", "Deposit")
BOOKS_DISBURSEMENT_ENTITIES = ("Purchase", "BillPayment")
# Synced records that carry no currency are in the company's home currency (kept on the
# connection); US dollars, the invoices' default, when even that is missing.
DEFAULT_CURRENCY = "USD"
ENGINE_VERSION = "2"  # 2: the vectorised Holt-Winters / Theta / average default


@dataclass(frozen=True)
class SeriesKey:
    client_id: int | None
    flow: str
    currency: str

    @property
    def text(self) -> str:
        return f"{self.client_id or 'firm'}|{self.flow}|{self.currency}"


@dataclass
class Series:
    key: SeriesKey
    months: list[date]
    amounts: list[Decimal]

    def fingerprint(self, horizon: int) -> str:
        payload = [ENGINE_VERSION, horizon, self.key.text,
                   [[m.isoformat(), str(a)] for m, a in zip(self.months, self.amounts,
                                                             strict=True)]]
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def current_month() -> date:
    return timezone.localdate().replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _dense(totals: dict[date, Decimal], until: date) -> tuple[list[date], list[Decimal]]:
    """Every month from the first with money up to (not including) `until`."""
    months = sorted(m for m in totals if m < until)
    if not months:
        return [], []
    out_months, out_amounts = [], []
    month = months[0]
    while month < until:
        out_months.append(month)
        out_amounts.append(totals.get(month, Decimal("0")))
        month = _next_month(month)
    return out_months, out_amounts


def _monthly_rows(client_id: int | None) -> list[tuple[int, str, str, date, Decimal]]:
    """(client_id, flow, currency, month, amount) for every flow, one query per source."""
    from apps.billing.models import Invoice, Payment, Refund
    from apps.integrations.models import SyncedRecord

    def scoped(queryset, client_field: str):
        return queryset.filter(**{client_field: client_id}) if client_id else queryset

    rows: list[tuple[int, str, str, date, Decimal]] = []
    billed = (scoped(Invoice.objects.filter(status__in=Invoice.ISSUED_STATUSES), "client_id")
              .annotate(month=TruncMonth("issue_date"))
              .values("client_id", "currency", "month")
              .annotate(amount=Sum(F("total") - F("tax_total"))))
    rows += [(r["client_id"], Flow.BILLED, r["currency"], r["month"], r["amount"])
             for r in billed]
    paid = (scoped(Payment.objects.all(), "invoice__client_id")
            .annotate(month=TruncMonth("received_on"))
            .values("invoice__client_id", "invoice__currency", "month")
            .annotate(amount=Sum("amount")))
    rows += [(r["invoice__client_id"], Flow.RECEIPTS, r["invoice__currency"], r["month"],
              r["amount"]) for r in paid]
    # Refunds are money going back out: they lower the month they were made in, which can
    # make a month's receipts negative.
    refunded = (scoped(Refund.objects.all(), "invoice__client_id")
                .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
                .values("invoice__client_id", "invoice__currency", "month")
                .annotate(amount=Sum("amount")))
    rows += [(r["invoice__client_id"], Flow.RECEIPTS, r["invoice__currency"],
              r["month"].date() if hasattr(r["month"], "date") else r["month"], -r["amount"])
             for r in refunded]
    books = (scoped(SyncedRecord.objects.filter(
                deleted=False, txn_date__isnull=False, total__isnull=False,
                entity__in=BOOKS_RECEIPT_ENTITIES + BOOKS_DISBURSEMENT_ENTITIES),
                "connection__client_id")
             .annotate(month=TruncMonth("txn_date"))
             .values("connection__client_id", "connection__home_currency", "entity", "currency",
                     "month")
             .annotate(amount=Sum("total")))
    for r in books:
        currency = r["currency"] or r["connection__home_currency"] or DEFAULT_CURRENCY
        receipt = r["entity"] in BOOKS_RECEIPT_ENTITIES
        flow = Flow.BOOKS_RECEIPTS if receipt else Flow.BOOKS_DISBURSEMENTS
        rows.append((r["connection__client_id"], flow, currency, r["month"], r["amount"]))
        rows.append((r["connection__client_id"], Flow.BOOKS_NET, currency, r["month"],
                     r["amount"] if receipt else -r["amount"]))
    return rows


# The firm-wide series: revenue billed and cash received, per currency.
FIRM_FLOWS = (Flow.BILLED, Flow.RECEIPTS)


def series_all(*, client_id: int | None = None, include_firm: bool = True,
               until: date | None = None) -> list[Series]:
    """Every client series (of one client when `client_id`), plus the firm's totals."""
    until = until or current_month()
    totals: dict[SeriesKey, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row_client, flow, currency, month, amount in _monthly_rows(client_id):
        totals[SeriesKey(row_client, flow, currency)][month] += amount
        if include_firm and client_id is None and flow in FIRM_FLOWS:
            totals[SeriesKey(None, flow, currency)][month] += amount
    result = []
    for key in sorted(totals, key=lambda k: (k.client_id or 0, k.flow, k.currency)):
        months, amounts = _dense(totals[key], until)
        if months:
            result.append(Series(key=key, months=months, amounts=amounts))
    return result


def forecasts_for_client(*, client_id: int) -> list[Forecast]:
    return list(Forecast.objects.filter(client_id=client_id).order_by("flow", "currency"))


def forecasts_for_firm() -> list[Forecast]:
    return list(Forecast.objects.filter(client__isnull=True).order_by("flow", "currency"))


def fingerprints(*, client_id: int | None = None) -> dict[tuple[int | None, str, str], str]:
    queryset = Forecast.objects.all()
    if client_id:
        queryset = queryset.filter(client_id=client_id)
    return {(c, f, cur): fp for c, f, cur, fp in
            queryset.values_list("client_id", "flow", "currency", "fingerprint")}


def run_latest(*, client_id: int | None = None) -> ForecastRun | None:
    return ForecastRun.objects.filter(client_id=client_id).first()


def low_confidence_count() -> int:
    return Forecast.objects.filter(client__isnull=False, low_confidence=True).count()
