"""Reads for the Books tab and the webhook pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.integrations.models import (
    QuickBooksConnection,
    SyncedRecord,
    SyncRun,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.integrations.quickbooks.entities import ENTITIES, LABELS

_INCOME = ("Invoice",)
_EXPENSES = ("Bill", "Purchase")
ZERO = Decimal("0.00")


@dataclass
class MonthRow:
    month: date
    income: Decimal = ZERO
    expenses: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.income - self.expenses


@dataclass
class Books:
    connection: QuickBooksConnection | None
    last_run: SyncRun | None = None
    active_run: SyncRun | None = None
    months: list[MonthRow] = field(default_factory=list)
    cash: Decimal = ZERO
    receivable: Decimal = ZERO
    payable: Decimal = ZERO
    open_invoices: list[SyncedRecord] = field(default_factory=list)
    open_bills: list[SyncedRecord] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    today: date = field(default_factory=date.today)

    @property
    def max_month_amount(self) -> Decimal:
        return max([max(m.income, m.expenses) for m in self.months] + [Decimal(1)])


def _first_of_month(day: date, months_back: int) -> date:
    month = day.month - months_back
    year = day.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def client_books_get(*, client_id: int, months: int = 12) -> Books:
    connection = QuickBooksConnection.objects.filter(client_id=client_id).first()
    if connection is None:
        return Books(connection=None)
    runs = list(connection.runs.order_by("-created_at")[:2])
    books = Books(connection=connection, last_run=runs[0] if runs else None,
                  active_run=next((r for r in runs if r.status in SyncRun.ACTIVE), None))
    live = SyncedRecord.objects.filter(connection=connection, deleted=False).filter(
        Q(currency="") | Q(currency=connection.home_currency))
    today = timezone.localdate()
    start = _first_of_month(today, months - 1)
    totals = (live.filter(entity__in=_INCOME + _EXPENSES, txn_date__gte=start)
              .annotate(month=TruncMonth("txn_date")).values("month", "entity")
              .annotate(amount=Sum("total")))
    by_month = {_first_of_month(today, n): MonthRow(month=_first_of_month(today, n))
                for n in range(months - 1, -1, -1)}
    for row in totals:
        target = by_month.get(row["month"])
        if target is None:
            continue
        if row["entity"] in _INCOME:
            target.income += row["amount"] or ZERO
        else:
            target.expenses += row["amount"] or ZERO
    books.months = list(by_month.values())
    sums = live.aggregate(
        cash=Sum("balance", filter=Q(entity="Account", account_type="Bank")),
        receivable=Sum("balance", filter=Q(entity="Invoice", balance__gt=0)),
        payable=Sum("balance", filter=Q(entity="Bill", balance__gt=0)))
    books.cash = sums["cash"] or ZERO
    books.receivable = sums["receivable"] or ZERO
    books.payable = sums["payable"] or ZERO
    books.open_invoices = list(live.filter(entity="Invoice", balance__gt=0)
                               .order_by("due_date")[:10])
    books.open_bills = list(live.filter(entity="Bill", balance__gt=0).order_by("due_date")[:10])
    counted = dict(SyncedRecord.objects.filter(connection=connection, deleted=False)
                   .values_list("entity").annotate(n=Count("id")).values_list("entity", "n"))
    books.counts = [(LABELS[e], counted.get(e, 0)) for e in ENTITIES]
    books.today = today
    return books


def sync_progress(run: SyncRun) -> list[tuple[str, int, bool]]:
    return [(LABELS[e], run.progress.get(e, {}).get("records", 0),
             bool(run.progress.get(e, {}).get("done"))) for e in ENTITIES]


def webhook_endpoints() -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status="delivered")),
        pending=Count("deliveries", filter=Q(deliveries__status="pending")),
        failed=Count("deliveries", filter=Q(deliveries__status="failed")),
    ).order_by("-created_at"))


def webhook_deliveries(*, endpoint_id: int, limit: int = 100) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(endpoint_id=endpoint_id)
                .select_related("event").order_by("-id")[:limit])
