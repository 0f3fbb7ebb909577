"""Firm BI reads: each section is one query on its materialized view (apps/insight/bi_sql.py)
shaped into a `Table` that the page renders (with a chart) and the CSV export writes, so
the two always show the same figures.

`live=True` runs the same SELECT on the base tables instead of the view: the benchmark
(`insight_bi_bench`) compares the two, and tests use it to check the view is current.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection

from apps.insight.bi_sql import WINDOW_TABLE, source
from apps.portal.models import Engagement

MONEY = "money"
HOURS = "hours"
PERCENT = "percent"
COUNT = "count"
DAYS = "days"
TEXT = "text"

AGING_BUCKETS = {"current": "Not yet due", "1_30": "1-30 days late",
                 "31_60": "31-60 days late", "61_90": "61-90 days late",
                 "over_90": "More than 90 days late"}
WIP_BUCKETS = (("0-30 days", 0, 30), ("31-60 days", 31, 60), ("61-90 days", 61, 90),
               ("More than 90 days", 91, None))


@dataclass(frozen=True)
class Period:
    """Whole months, first to last inclusive (each given by its first day)."""

    start: date
    end: date

    @property
    def last_day(self) -> date:
        return date(self.end.year, self.end.month,
                    calendar.monthrange(self.end.year, self.end.month)[1])

    @property
    def days(self) -> int:
        return (self.last_day - self.start).days + 1

    @classmethod
    def last_months(cls, today: date, months: int = 12) -> Period:
        index = today.year * 12 + today.month - 1 - (months - 1)
        return cls(date(index // 12, index % 12 + 1, 1), date(today.year, today.month, 1))


@dataclass
class Column:
    key: str
    label: str
    kind: str = TEXT


@dataclass
class Table:
    slug: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict]
    chart: dict = field(default_factory=dict)  # {"type", "labels", "series": [{label, data}]}

    @property
    def chart_id(self) -> str:
        return f"{self.slug}-chart"

    def cells(self) -> list[list[tuple[object, str]]]:
        """Rows as (value, kind) pairs in column order, for the template."""
        return [[(row.get(c.key), c.kind) for c in self.columns] for row in self.rows]

    def csv_rows(self) -> list[list[str]]:
        out = [[c.label for c in self.columns]]
        for row in self.rows:
            out.append(["" if row.get(c.key) is None else str(row[c.key])
                        for c in self.columns])
        return out


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _section_rows(columns: str, view: str, period: Period, *, live: bool, rest: str = "",
                  month_column: str = "month", through_last_day: bool = False) -> list[dict]:
    """A section's query: `columns` from its view (or, live, the view's own SELECT) for the
    months of `period`, then `rest` (GROUP BY / ORDER BY). Monthly rows get a
    "month_label". `through_last_day` bounds by the period's last day instead of its last
    month (for views keyed by month end)."""
    rows = _fetch(f"SELECT {columns} FROM {source(view, live=live)} "  # noqa: S608
                  f"WHERE {month_column} BETWEEN %s AND %s {rest}",
                  [period.start, period.last_day if through_last_day else period.end])
    for row in rows:
        if "month" in row:
            row["month_label"] = _month_label(row["month"])
    return rows


def _month_label(month: date) -> str:
    return month.strftime("%b %Y")


def _people(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=ids)
            .only("id", "full_name", "email")}


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return (Decimal(part) / Decimal(whole) * 100).quantize(Decimal("0.1")) if whole else None


def _hours(minutes) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"))


def as_of() -> date:
    """"Today" as the last refresh saw it (aging and WIP are measured against it)."""
    rows = _fetch(f"SELECT as_of FROM {WINDOW_TABLE} WHERE id = 1", [])  # noqa: S608
    return rows[0]["as_of"] if rows else date.today()


# --- revenue --------------------------------------------------------------------------------

def revenue_by_month(period: Period, *, live: bool = False) -> Table:
    rows = _section_rows("month, currency, sum(invoices)::int AS invoices, sum(billed) AS billed",
                         "insight_bi_revenue", period, live=live,
                         rest="GROUP BY 1, 2 ORDER BY 1, 2")
    currencies = sorted({r["currency"] for r in rows})
    months = sorted({r["month"] for r in rows})
    by = {(r["month"], r["currency"]): r["billed"] for r in rows}
    return Table(
        "revenue-by-month", "Revenue by month",
        "Invoices issued in the month (not drafts or void), total less tax.",
        [Column("month_label", "Month"), Column("currency", "Currency"),
         Column("invoices", "Invoices", COUNT), Column("billed", "Revenue billed", MONEY)],
        rows,
        {"type": "bar", "labels": [_month_label(m) for m in months],
         "series": [{"label": f"Revenue billed ({c})",
                     "data": [float(by.get((m, c), 0)) for m in months]} for c in currencies]})


def revenue_by_service_line(period: Period, *, live: bool = False) -> Table:
    rows = _section_rows("service_line, currency, sum(invoices)::int AS invoices, "
                         "sum(billed) AS billed", "insight_bi_revenue", period, live=live,
                         rest="GROUP BY 1, 2 ORDER BY 4 DESC, 1")
    labels = dict(Engagement.Type.choices)
    for row in rows:
        row["service_line_label"] = labels.get(row["service_line"], "No engagement")
    return Table(
        "revenue-by-service-line", "Revenue by service line",
        "By the type of the engagement the invoice was raised under.",
        [Column("service_line_label", "Service line"), Column("currency", "Currency"),
         Column("invoices", "Invoices", COUNT), Column("billed", "Revenue billed", MONEY)],
        rows, _pie(rows, "service_line_label"))


def revenue_by_partner(period: Period, *, live: bool = False) -> Table:
    rows = _section_rows("partner_id, currency, sum(invoices)::int AS invoices, "
                         "sum(billed) AS billed", "insight_bi_revenue", period, live=live,
                         rest="GROUP BY 1, 2 ORDER BY 4 DESC, 1")
    names = _people(r["partner_id"] for r in rows)
    for row in rows:
        row["partner"] = names.get(row["partner_id"], "Nobody assigned")
    return Table(
        "revenue-by-partner", "Revenue by partner",
        "The engagement's responsible person, else the client's assigned staff member.",
        [Column("partner", "Partner"), Column("currency", "Currency"),
         Column("invoices", "Invoices", COUNT), Column("billed", "Revenue billed", MONEY)],
        rows, _pie(rows, "partner"))


def _pie(rows: list[dict], label_key: str) -> dict:
    # One currency per chart: the largest; the table lists every currency.
    if not rows:
        return {}
    currency = max({r["currency"] for r in rows},
                   key=lambda c: sum(r["billed"] for r in rows if r["currency"] == c))
    picked = [r for r in rows if r["currency"] == currency]
    return {"type": "doughnut", "labels": [r[label_key] for r in picked],
            "series": [{"label": f"Revenue billed ({currency})",
                        "data": [float(r["billed"]) for r in picked]}]}


# --- time: realization, WIP, utilization ----------------------------------------------------

def realization_by_month(period: Period, *, live: bool = False) -> Table:
    rows = _section_rows("month, sum(billable_minutes) AS billable_minutes, "
                         "sum(standard_value) AS standard_value, sum(billed_standard_value) AS "
                         "billed_standard_value, sum(billed_amount) AS billed_amount",
                         "insight_bi_time", period, live=live, rest="GROUP BY 1 ORDER BY 1")
    for row in rows:
        row["billable_hours"] = _hours(row["billable_minutes"])
        row["realization"] = _pct(row["billed_amount"], row["billed_standard_value"])
    return Table(
        "realization", "Realization",
        "What was invoiced for billed time, against that time's standard value (hours x "
        "rate), by the month the time was worked.",
        [Column("month_label", "Month"), Column("billable_hours", "Billable hours", HOURS),
         Column("standard_value", "Standard value", MONEY),
         Column("billed_standard_value", "Standard value billed", MONEY),
         Column("billed_amount", "Invoiced", MONEY),
         Column("realization", "Realization", PERCENT)],
        rows, {"type": "line", "labels": [r["month_label"] for r in rows], "percent": True,
               "series": [{"label": "Realization (%)",
                           "data": [float(r["realization"]) if r["realization"] is not None
                                    else None for r in rows]}]})


def wip_aging(*, today: date | None = None, live: bool = False) -> Table:
    today = today or as_of()
    rows = _fetch("SELECT work_date, entries, minutes, standard_value "  # noqa: S608
                  f"FROM {source('insight_bi_wip', live=live)}", [])
    out = []
    for label, low, high in WIP_BUCKETS:
        picked = [r for r in rows if low <= (today - r["work_date"]).days
                  and (high is None or (today - r["work_date"]).days <= high)]
        out.append({"age": label, "entries": sum(r["entries"] for r in picked),
                    "hours": _hours(sum(r["minutes"] for r in picked)),
                    "standard_value": sum((r["standard_value"] for r in picked),
                                          Decimal("0.00"))})
    return Table(
        "wip-aging", "Work in progress by age",
        f"Billable time not invoiced yet, by how long ago it was worked (on {today:%d %b %Y}).",
        [Column("age", "Age"), Column("entries", "Time entries", COUNT),
         Column("hours", "Hours", HOURS), Column("standard_value", "Standard value", MONEY)],
        out, {"type": "bar", "labels": [r["age"] for r in out],
              "series": [{"label": "Standard value", "data": [float(r["standard_value"])
                                                              for r in out]}]})


def utilization(period: Period, *, live: bool = False) -> Table:
    from apps.work.models import StaffProfile

    rows = _section_rows("user_id, sum(minutes) AS minutes, sum(billable_minutes) AS "
                         "billable_minutes", "insight_bi_time", period, live=live,
                         rest="GROUP BY 1")
    capacity = dict(StaffProfile.objects.filter(user_id__in=[r["user_id"] for r in rows])
                    .values_list("user_id", "weekly_capacity_hours"))
    default = StaffProfile._meta.get_field("weekly_capacity_hours").default
    names = _people(r["user_id"] for r in rows)
    weeks = Decimal(period.days) / 7
    for row in rows:
        row["person"] = names.get(row["user_id"], "Former member")
        row["hours"] = _hours(row["minutes"])
        row["billable_hours"] = _hours(row["billable_minutes"])
        row["capacity_hours"] = (Decimal(capacity.get(row["user_id"], default)) * weeks
                                 ).quantize(Decimal("0.01"))
        row["utilization"] = _pct(row["billable_hours"], row["capacity_hours"])
    rows.sort(key=lambda r: (-(r["utilization"] or 0), r["person"]))
    return Table(
        "utilization", "Utilization by staff member",
        "Billable hours against capacity (weekly capacity x the weeks in the period).",
        [Column("person", "Staff member"), Column("hours", "Hours logged", HOURS),
         Column("billable_hours", "Billable hours", HOURS),
         Column("capacity_hours", "Capacity (hours)", HOURS),
         Column("utilization", "Utilization", PERCENT)],
        rows, {"type": "bar", "labels": [r["person"] for r in rows], "percent": True,
               "series": [{"label": "Utilization (%)",
                           "data": [float(r["utilization"] or 0) for r in rows]}]})


# --- jobs, invoices, documents --------------------------------------------------------------

def turnaround(period: Period, *, live: bool = False) -> Table:
    from apps.work.models import WorkflowTemplate

    rows = _section_rows("template_id, sum(jobs)::int AS jobs, sum(total_days) AS total_days, "
                         "max(longest_days) AS longest_days", "insight_bi_turnaround", period,
                         live=live, rest="GROUP BY 1")
    names = dict(WorkflowTemplate.objects.filter(pk__in=[r["template_id"] for r in rows])
                 .values_list("id", "name"))
    for row in rows:
        row["job_type"] = names.get(row["template_id"], "Deleted template")
        row["average_days"] = (row["total_days"] / row["jobs"]).quantize(Decimal("0.1"))
        row["longest_days"] = row["longest_days"].quantize(Decimal("0.1"))
    rows.sort(key=lambda r: (-r["average_days"], r["job_type"]))
    return Table(
        "turnaround", "Turnaround by job type",
        "Jobs completed in the period, days from creation to completion.",
        [Column("job_type", "Job type"), Column("jobs", "Jobs completed", COUNT),
         Column("average_days", "Average days", DAYS),
         Column("longest_days", "Longest (days)", DAYS)],
        rows, {"type": "bar", "labels": [r["job_type"] for r in rows],
               "series": [{"label": "Average days",
                           "data": [float(r["average_days"]) for r in rows]}]})


def aging_trend(period: Period, *, live: bool = False) -> Table:
    rows = _section_rows("month_end, currency, bucket, invoices, owed", "insight_bi_aging",
                         period, live=live, rest="ORDER BY 1, 2", month_column="month_end",
                         through_last_day=True)
    grid: dict[tuple, dict] = defaultdict(dict)
    for row in rows:
        grid[(row["month_end"], row["currency"])][row["bucket"]] = row["owed"]
    out = []
    for (month_end, currency), owed in sorted(grid.items()):
        out.append({"month_end": month_end, "month_label": _month_label(month_end),
                    "currency": currency,
                    **{b: owed.get(b, Decimal("0.00")) for b in AGING_BUCKETS},
                    "total": sum(owed.values(), Decimal("0.00"))})
    currency = out[-1]["currency"] if out else ""
    charted = [r for r in out if r["currency"] == currency]
    return Table(
        "invoice-aging", "Invoice aging trend",
        "What clients still owed at each month end (today for this month), by days late.",
        [Column("month_label", "Month end"), Column("currency", "Currency"),
         *[Column(b, label, MONEY) for b, label in AGING_BUCKETS.items()],
         Column("total", "Total owed", MONEY)],
        out, {"type": "bar", "stacked": True, "labels": [r["month_label"] for r in charted],
              "series": [{"label": f"{label} ({currency})",
                          "data": [float(r[b]) for r in charted]}
                         for b, label in AGING_BUCKETS.items()]} if charted else {})


def documents(period: Period, *, live: bool = False) -> Table:
    rows = _section_rows("month, uploaded, classified_automatically, reviewed, awaiting_review, "
                         "failed", "insight_bi_documents", period, live=live, rest="ORDER BY 1")
    return Table(
        "documents", "Document volume and review backlog",
        "Documents by the month they arrived: classified with no review needed, reviewed "
        "by someone, and still waiting for review.",
        [Column("month_label", "Month"), Column("uploaded", "Uploaded", COUNT),
         Column("classified_automatically", "Classified automatically", COUNT),
         Column("reviewed", "Reviewed", COUNT),
         Column("awaiting_review", "Awaiting review", COUNT),
         Column("failed", "Could not be read", COUNT)],
        rows, {"type": "bar", "stacked": True, "labels": [r["month_label"] for r in rows],
               "series": [{"label": label, "data": [r[key] for r in rows]} for key, label in (
                   ("classified_automatically", "Classified automatically"),
                   ("reviewed", "Reviewed"), ("awaiting_review", "Awaiting review"))]})


SECTIONS = {
    "revenue-by-month": revenue_by_month,
    "revenue-by-service-line": revenue_by_service_line,
    "revenue-by-partner": revenue_by_partner,
    "realization": realization_by_month,
    "wip-aging": lambda period, live=False: wip_aging(live=live),
    "utilization": utilization,
    "turnaround": turnaround,
    "invoice-aging": aging_trend,
    "documents": documents,
}


def all_tables(period: Period, *, live: bool = False) -> list[Table]:
    return [build(period, live=live) for build in SECTIONS.values()]
