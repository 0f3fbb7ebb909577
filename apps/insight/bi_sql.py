"""The SQL of the firm BI materialized views, in one place so the migration that creates
them, the refresh, and the benchmark that queries the base tables read the same text.

Each view has a unique index on plain columns (REFRESH ... CONCURRENTLY needs one; the
grouping keys are made non-null with COALESCE so that index really is unique). Nothing
reads now(): the refresh stores the firm's time zone and "today" in the one-row
`insight_bi_window` table first (as the portal dashboard does with its window), so two
refreshes of unchanged data give identical rows.

Money: `numeric(14, 2)`; a time entry's standard value is rounded to the cent per entry,
as billing rounds it (apps/work/timetracking.py), so WIP and bills agree to the cent.
"""

from __future__ import annotations

WINDOW_TABLE = "insight_bi_window"
_WINDOW = f"(SELECT time_zone, as_of FROM {WINDOW_TABLE} WHERE id = 1) w"  # noqa: S608

# Issued and not void: what counts as billed (Invoice.BILLED_STATUSES).
_BILLED = "('sent', 'partially_paid', 'paid', 'overdue')"

# Revenue billed (total less tax) by issue month, currency, service line (the invoice's
# engagement type; '' without one) and partner (the engagement's responsible person, else
# the client's assigned staff; 0 for nobody).
REVENUE = """
SELECT date_trunc('month', i.issue_date)::date AS month,
       i.currency,
       COALESCE(e.type, '') AS service_line,
       COALESCE(e.responsible_id, c.assigned_staff_id, 0) AS partner_id,
       count(*)::int AS invoices,
       sum(i.total - i.tax_total)::numeric(14, 2) AS billed
FROM billing_invoice i
JOIN portal_client c ON c.id = i.client_id
LEFT JOIN portal_engagement e ON e.id = i.engagement_id
WHERE i.status IN {billed}
GROUP BY 1, 2, 3, 4
""".replace("{billed}", _BILLED)

# Time by person and month: all minutes, billable minutes and their standard value, and
# for the billed part its standard value and what was invoiced (realization).
TIME = """
SELECT date_trunc('month', t.work_date)::date AS month,
       t.user_id,
       sum(t.minutes)::bigint AS minutes,
       COALESCE(sum(t.minutes) FILTER (WHERE t.billable), 0)::bigint AS billable_minutes,
       COALESCE(sum(round(t.minutes * t.rate / 60, 2)) FILTER (WHERE t.billable), 0)
           ::numeric(14, 2) AS standard_value,
       COALESCE(sum(round(t.minutes * t.rate / 60, 2))
           FILTER (WHERE t.billable AND t.invoice_id IS NOT NULL), 0)
           ::numeric(14, 2) AS billed_standard_value,
       COALESCE(sum(t.billed_amount) FILTER (WHERE t.billable AND t.invoice_id IS NOT NULL),
           0)::numeric(14, 2) AS billed_amount
FROM work_timeentry t
WHERE t.minutes IS NOT NULL
GROUP BY 1, 2
"""

# Work in progress: billable time not invoiced yet, by the day it was worked (the page
# buckets it by age against "today").
WIP = """
SELECT t.work_date,
       count(*)::int AS entries,
       sum(t.minutes)::bigint AS minutes,
       sum(round(t.minutes * t.rate / 60, 2))::numeric(14, 2) AS standard_value
FROM work_timeentry t
WHERE t.billable AND t.invoice_id IS NULL AND t.minutes IS NOT NULL
GROUP BY 1
"""

# Turnaround: jobs completed per month (firm time) and job type (workflow template), in
# days from creation to completion.
TURNAROUND = """
SELECT date_trunc('month', j.completed_at AT TIME ZONE w.time_zone)::date AS month,
       j.template_id,
       count(*)::int AS jobs,
       sum(extract(epoch FROM j.completed_at - j.created_at) / 86400)::numeric(14, 2)
           AS total_days,
       max(extract(epoch FROM j.completed_at - j.created_at) / 86400)::numeric(14, 2)
           AS longest_days
FROM work_job j
CROSS JOIN {window}
WHERE j.completed_at IS NOT NULL
GROUP BY 1, 2
""".replace("{window}", _WINDOW)

# Invoice aging at each month end (today for the current month): what was still owed then
# (total less the payments received by that day; refunds do not reopen a debt), bucketed
# by days past due on that day. Drafts never count; a void invoice counts until voided
# (never, when when is unknown). Only the month ends between issue and settlement (the
# day payments reached the total, else the paid date) are joined, so the work grows with
# how long invoices stay open, not with invoices x months.
AGING = """
WITH w AS (SELECT time_zone, as_of FROM {window_table} WHERE id = 1),
month_ends AS (
    SELECT LEAST((m + interval '1 month - 1 day')::date, w.as_of) AS day
    FROM w,
         generate_series((SELECT date_trunc('month', min(issue_date)) FROM billing_invoice),
                         date_trunc('month', w.as_of), interval '1 month') AS m
),
settled AS (
    SELECT p.invoice_id, min(p.received_on) AS settled_on
    FROM (SELECT invoice_id, received_on,
                 sum(amount) OVER (PARTITION BY invoice_id ORDER BY received_on, id) AS paid
          FROM billing_payment) p
    JOIN billing_invoice i ON i.id = p.invoice_id
    WHERE p.paid >= i.total
    GROUP BY p.invoice_id
)
SELECT me.day AS month_end,
       i.currency,
       CASE WHEN me.day <= i.due_date THEN 'current'
            WHEN me.day - i.due_date <= 30 THEN '1_30'
            WHEN me.day - i.due_date <= 60 THEN '31_60'
            WHEN me.day - i.due_date <= 90 THEN '61_90'
            ELSE 'over_90' END AS bucket,
       count(*)::int AS invoices,
       sum(owed.amount)::numeric(14, 2) AS owed
FROM billing_invoice i
CROSS JOIN w
LEFT JOIN settled s ON s.invoice_id = i.id
JOIN month_ends me ON me.day >= i.issue_date
    AND me.day < COALESCE(s.settled_on, CASE WHEN i.status = 'paid'
                              THEN (i.paid_at AT TIME ZONE w.time_zone)::date END,
                          'infinity'::date)
    AND (i.voided_at IS NULL OR (i.voided_at AT TIME ZONE w.time_zone)::date > me.day)
CROSS JOIN LATERAL (
    SELECT i.total - COALESCE(sum(p.amount), 0) AS amount
    FROM billing_payment p WHERE p.invoice_id = i.id AND p.received_on <= me.day
) owed
WHERE i.status <> 'draft' AND NOT (i.status = 'void' AND i.voided_at IS NULL)
  AND owed.amount > 0
GROUP BY 1, 2, 3
""".replace("{window_table}", WINDOW_TABLE)

# Documents by the month they arrived (firm time): how many, how many the pipeline
# classified with no review needed, how many people reviewed, and how many still wait.
DOCUMENTS = """
SELECT date_trunc('month', d.created_at AT TIME ZONE w.time_zone)::date AS month,
       count(*)::int AS uploaded,
       (count(*) FILTER (WHERE d.status = 'processed'))::int AS classified_automatically,
       (count(*) FILTER (WHERE d.status IN ('approved', 'rejected')))::int AS reviewed,
       (count(*) FILTER (WHERE d.status = 'needs_review'))::int AS awaiting_review,
       (count(*) FILTER (WHERE d.status = 'failed'))::int AS failed
FROM documents_document d
CROSS JOIN {window}
WHERE d.deleted_at IS NULL
GROUP BY 1
""".replace("{window}", _WINDOW)

# name -> (select, unique key columns, the column periods filter on)
VIEWS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "insight_bi_revenue": (REVENUE, ("month", "currency", "service_line", "partner_id"),
                           "month"),
    "insight_bi_time": (TIME, ("month", "user_id"), "month"),
    "insight_bi_wip": (WIP, ("work_date",), "work_date"),
    "insight_bi_turnaround": (TURNAROUND, ("month", "template_id"), "month"),
    "insight_bi_aging": (AGING, ("month_end", "currency", "bucket"), "month_end"),
    "insight_bi_documents": (DOCUMENTS, ("month",), "month"),
}

CREATE_WINDOW = f"""
CREATE TABLE {WINDOW_TABLE} (
    id smallint PRIMARY KEY CHECK (id = 1),
    time_zone text NOT NULL DEFAULT 'UTC',
    as_of date NOT NULL DEFAULT CURRENT_DATE,
    refreshed_at timestamptz
);
INSERT INTO {WINDOW_TABLE} (id) VALUES (1);
"""  # noqa: S608
DROP_WINDOW = f"DROP TABLE IF EXISTS {WINDOW_TABLE}"


def create_statements() -> list[str]:
    statements = []
    for name, (select, key, _period) in VIEWS.items():
        statements.append(f"CREATE MATERIALIZED VIEW {name} AS {select} WITH DATA")
        statements.append(f"CREATE UNIQUE INDEX {name}_key ON {name} ({', '.join(key)})")
    return statements


def drop_statements() -> list[str]:
    return [f"DROP MATERIALIZED VIEW IF EXISTS {name}" for name in VIEWS]


def source(name: str, *, live: bool = False) -> str:
    """What a query reads FROM: the view, or (live) its own SELECT on the base tables,
    which is what the benchmark compares the view against."""
    return f"({VIEWS[name][0]}) AS {name}" if live else name
