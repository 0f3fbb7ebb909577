"""Billing reports: invoice aging (firm and per client) and revenue by month, engagement
type and advisor. Each is one aggregate query shaped for its table; aging reads the
partial covering index `invoice_open_aging` (open invoices by due date, with balance and
client), so it never touches the invoice rows.

`aging_naive` is the way one would write it first (load the open invoices, bucket them in
Python); `manage.py bench_billing` times both at seed scale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from apps.billing.models import Invoice
from apps.billing.money import ZERO
from apps.portal.models import Engagement

BUCKETS: tuple[tuple[str, str], ...] = (
    ("current", "Current"), ("days_1_30", "1-30 days"), ("days_31_60", "31-60 days"),
    ("days_61_90", "61-90 days"), ("days_90_plus", "Over 90 days"))
REPORTS = ("aging", "aging_by_client", "revenue_by_month", "revenue_by_engagement_type",
           "revenue_by_advisor")


def _bucket_filters(as_of: date) -> dict[str, Q]:
    """Days past due = as_of - due_date; not yet due (or due today) is current."""
    def days_ago(n: int) -> date:
        return as_of - timedelta(days=n)

    return {
        "current": Q(due_date__gte=as_of),
        "days_1_30": Q(due_date__lt=as_of, due_date__gte=days_ago(30)),
        "days_31_60": Q(due_date__lt=days_ago(30), due_date__gte=days_ago(60)),
        "days_61_90": Q(due_date__lt=days_ago(60), due_date__gte=days_ago(90)),
        "days_90_plus": Q(due_date__lt=days_ago(90)),
    }


def _open() -> QuerySet:
    # The exact predicate of the partial index, so the planner can use it.
    return Invoice.objects.filter(status__in=["sent", "partially_paid", "overdue"])


def _aging_aggregates(as_of: date) -> dict:
    filters = _bucket_filters(as_of)
    return {**{name: Sum("balance", filter=q, default=ZERO) for name, q in filters.items()},
            "total": Sum("balance", default=ZERO), "invoices": Count("id")}


def aging(*, as_of: date) -> dict:
    """One row for the firm: open balance per bucket, total and invoice count."""
    return _open().aggregate(**_aging_aggregates(as_of))


def aging_by_client_queryset(*, as_of: date) -> QuerySet:
    """One row per client with money owed, largest total first."""
    return (_open().values("client_id").annotate(**_aging_aggregates(as_of))
            .order_by("-total", "client_id"))


def aging_by_client(*, as_of: date, offset: int = 0, limit: int = 50) -> list[dict]:
    rows = list(aging_by_client_queryset(as_of=as_of)[offset:offset + limit])
    from apps.portal.models import Client

    names = dict(Client.objects.filter(pk__in=[r["client_id"] for r in rows])
                 .values_list("id", "business_name"))
    for row in rows:
        row["client_name"] = names.get(row["client_id"], "")
    return rows


def aging_naive(*, as_of: date) -> dict:
    """The same figures as `aging`, bucketed in Python over every open invoice."""
    result = dict.fromkeys([name for name, _ in BUCKETS] + ["total"], ZERO)
    result["invoices"] = 0
    for due_date, balance in Invoice.objects.filter(
            status__in=Invoice.OPEN_STATUSES).values_list("due_date", "balance"):
        late = (as_of - due_date).days
        name = ("current" if late <= 0 else "days_1_30" if late <= 30 else
                "days_31_60" if late <= 60 else "days_61_90" if late <= 90 else "days_90_plus")
        result[name] += balance
        result["total"] += balance
        result["invoices"] += 1
    return result


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive


def _issued_in(period: Period) -> QuerySet:
    return Invoice.objects.filter(status__in=Invoice.ISSUED_STATUSES,
                                  issue_date__gte=period.start, issue_date__lt=period.end)


def _revenue_aggregates() -> dict:
    return {"invoices": Count("id"),
            "invoiced": Sum(F("total") - F("tax_total"), default=ZERO),
            "tax": Sum("tax_total", default=ZERO),
            "collected": Sum(F("total") - F("balance") - F("amount_refunded"), default=ZERO),
            "outstanding": Sum("balance", default=ZERO)}


def revenue_by_month(*, period: Period) -> list[dict]:
    return list(_issued_in(period).annotate(month=TruncMonth("issue_date")).values("month")
                .annotate(**_revenue_aggregates()).order_by("month"))


def revenue_by_engagement_type(*, period: Period) -> list[dict]:
    labels = dict(Engagement.Type.choices)
    rows = list(_issued_in(period).values("engagement__type")
                .annotate(**_revenue_aggregates()).order_by("-invoiced"))
    for row in rows:
        code = row.pop("engagement__type")
        row["engagement_type"] = labels.get(code, "No engagement") if code else "No engagement"
    return rows


def revenue_by_advisor(*, period: Period, firm_id: int) -> list[dict]:
    """Invoices billing marketplace engagements, per advisor (a public-schema join)."""
    rows = list(_issued_in(period)
                .filter(marketplace_engagement__isnull=False,
                        marketplace_engagement__firm_id=firm_id)
                .values("marketplace_engagement__advisor_id",
                        "marketplace_engagement__advisor__user__full_name",
                        "marketplace_engagement__advisor__user__email")
                .annotate(**_revenue_aggregates()).order_by("-invoiced"))
    return [{"advisor_id": r.pop("marketplace_engagement__advisor_id"),
             "advisor": (r.pop("marketplace_engagement__advisor__user__full_name")
                         or r.pop("marketplace_engagement__advisor__user__email", "")),
             **{k: v for k, v in r.items() if not k.startswith("marketplace_")}}
            for r in rows]


# --- CSV --------------------------------------------------------------------------------

_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "aging": [("bucket", "Bucket"), ("balance", "Open balance")],
    "aging_by_client": [("client_name", "Client"), ("client_id", "Client id")]
    + [(name, label) for name, label in BUCKETS] + [("total", "Total"), ("invoices", "Invoices")],
    "revenue_by_month": [("month", "Month"), ("invoices", "Invoices"), ("invoiced", "Invoiced"),
                         ("tax", "Tax"), ("collected", "Collected"),
                         ("outstanding", "Outstanding")],
    "revenue_by_engagement_type": [("engagement_type", "Engagement type"),
                                   ("invoices", "Invoices"), ("invoiced", "Invoiced"),
                                   ("collected", "Collected"), ("outstanding", "Outstanding")],
    "revenue_by_advisor": [("advisor", "Advisor"), ("invoices", "Invoices"),
                           ("invoiced", "Invoiced"), ("collected", "Collected"),
                           ("outstanding", "Outstanding")],
}
# Every client row of the largest firm fits; a CSV never grows without bound.
CSV_MAX_ROWS = 100_000


def _safe_cell(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: quote those."""
    if isinstance(value, date):
        return value.strftime("%Y-%m") if value.day == 1 else value.isoformat()
    text = str(value) if value is not None else ""
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def report_rows(report: str, *, as_of: date, period: Period, firm_id: int) -> list[dict]:
    if report == "aging":
        figures = aging(as_of=as_of)
        return [{"bucket": label, "balance": figures[name]} for name, label in BUCKETS] + [
            {"bucket": "Total", "balance": figures["total"]}]
    if report == "aging_by_client":
        return aging_by_client(as_of=as_of, limit=CSV_MAX_ROWS)
    if report == "revenue_by_month":
        return revenue_by_month(period=period)
    if report == "revenue_by_engagement_type":
        return revenue_by_engagement_type(period=period)
    if report == "revenue_by_advisor":
        return revenue_by_advisor(period=period, firm_id=firm_id)
    raise ValueError(f"unknown report {report!r}")


def report_csv_lines(report: str, rows: list[dict]) -> Iterator[list[str]]:
    columns = _COLUMNS[report]
    yield [label for _, label in columns]
    for row in rows:
        yield [_safe_cell(row.get(key)) for key, _ in columns]
