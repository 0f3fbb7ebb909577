"""The SQL of the `client_dashboard_metrics` materialized view, kept in one place so the
migration that creates it and the tests that check it read the same text.

Deterministic by design: no now() / CURRENT_DATE. "Last 30 days" reads the stored bound in
portal_dashboard_window, which the refresh moves before it runs; so refreshing twice on
the same data yields identical rows and a concurrent refresh rewrites only changed ones.
"""

VIEW_NAME = "client_dashboard_metrics"

CREATE_VIEW = """
CREATE MATERIALIZED VIEW client_dashboard_metrics AS
SELECT
    c.id AS client_id,
    COALESCE(d.documents_total, 0) AS documents_total,
    COALESCE(d.documents_last_30_days, 0) AS documents_last_30_days,
    COALESCE(d.documents_needing_review, 0) AS documents_needing_review,
    COALESCE(t.tasks_active, 0) AS tasks_active,
    COALESCE(t.tasks_completed, 0) AS tasks_completed,
    t.next_task_due,
    COALESCE(i.invoices_total, 0) AS invoices_total,
    COALESCE(i.invoices_open, 0) AS invoices_open,
    COALESCE(i.invoices_overdue, 0) AS invoices_overdue,
    COALESCE(i.revenue_paid, 0)::numeric(14, 2) AS revenue_paid,
    COALESCE(i.outstanding_balance, 0)::numeric(14, 2) AS outstanding_balance,
    COALESCE(e.engagements_total, 0) AS engagements_total,
    COALESCE(e.engagements_active, 0) AS engagements_active,
    d.last_document_at,
    t.last_task_at,
    i.last_invoice_at,
    e.last_engagement_at,
    GREATEST(d.last_document_at, t.last_task_at, i.last_invoice_at, e.last_engagement_at)
        AS last_activity_at
FROM portal_client c
LEFT JOIN (
    SELECT doc.client_id,
           count(*)::int AS documents_total,
           (count(*) FILTER (WHERE doc.created_at >= w.documents_since))::int
               AS documents_last_30_days,
           (count(*) FILTER (WHERE doc.status = 'needs_review'))::int
               AS documents_needing_review,
           max(doc.created_at) AS last_document_at
    FROM documents_document doc
    CROSS JOIN (SELECT documents_since FROM portal_dashboard_window WHERE id = 1) w
    WHERE doc.deleted_at IS NULL
    GROUP BY doc.client_id
) d ON d.client_id = c.id
LEFT JOIN (
    SELECT client_id,
           (count(*) FILTER (WHERE status IN ('pending', 'in_progress')))::int AS tasks_active,
           (count(*) FILTER (WHERE status = 'completed'))::int AS tasks_completed,
           min(due_date) FILTER (WHERE status IN ('pending', 'in_progress')) AS next_task_due,
           max(updated_at) AS last_task_at
    FROM portal_task
    GROUP BY client_id
) t ON t.client_id = c.id
LEFT JOIN (
    SELECT client_id,
           (count(*) FILTER (WHERE status <> 'void'))::int AS invoices_total,
           (count(*) FILTER (WHERE status IN ('sent', 'overdue')))::int AS invoices_open,
           (count(*) FILTER (WHERE status = 'overdue'))::int AS invoices_overdue,
           sum(total) FILTER (WHERE status = 'paid') AS revenue_paid,
           sum(balance) FILTER (WHERE status IN ('sent', 'overdue')) AS outstanding_balance,
           max(updated_at) AS last_invoice_at
    FROM billing_invoice
    GROUP BY client_id
) i ON i.client_id = c.id
LEFT JOIN (
    SELECT client_id,
           count(*)::int AS engagements_total,
           (count(*) FILTER (WHERE status = 'active'))::int AS engagements_active,
           max(updated_at) AS last_engagement_at
    FROM portal_engagement
    GROUP BY client_id
) e ON e.client_id = c.id
WHERE c.deleted_at IS NULL
WITH DATA
"""

# The first shape (portal migration 0002) counted paid invoices' totals as revenue. Billing
# migration 0003 recreates the view with CREATE_VIEW: partially paid invoices are open, and
# "revenue paid" is the money collected and kept (total - balance - refunded) over issued
# invoices, as Invoice.revenue_collected_sum() computes it live.
CREATE_VIEW_V1 = CREATE_VIEW
CREATE_VIEW = CREATE_VIEW_V1.replace("""
           (count(*) FILTER (WHERE status IN ('sent', 'overdue')))::int AS invoices_open,
           (count(*) FILTER (WHERE status = 'overdue'))::int AS invoices_overdue,
           sum(total) FILTER (WHERE status = 'paid') AS revenue_paid,
           sum(balance) FILTER (WHERE status IN ('sent', 'overdue')) AS outstanding_balance,""", """
           (count(*) FILTER (WHERE status IN ('sent', 'partially_paid', 'overdue')))::int
               AS invoices_open,
           (count(*) FILTER (WHERE status = 'overdue'))::int AS invoices_overdue,
           sum(total - balance - amount_refunded)
               FILTER (WHERE status IN ('sent', 'partially_paid', 'paid', 'overdue'))
               AS revenue_paid,
           sum(balance) FILTER (WHERE status IN ('sent', 'partially_paid', 'overdue'))
               AS outstanding_balance,""")
assert CREATE_VIEW != CREATE_VIEW_V1

# REFRESH ... CONCURRENTLY needs a unique index on plain columns (no expression, no WHERE).
CREATE_INDEXES = [
    f"CREATE UNIQUE INDEX {VIEW_NAME}_client ON {VIEW_NAME} (client_id)",
    # The staff client list sorts by these; the firm dashboard finds clients needing
    # attention through them.
    f"CREATE INDEX {VIEW_NAME}_outstanding ON {VIEW_NAME} (outstanding_balance, client_id)",
    f"CREATE INDEX {VIEW_NAME}_activity ON {VIEW_NAME} (last_activity_at, client_id)",
]

DROP_VIEW = f"DROP MATERIALIZED VIEW IF EXISTS {VIEW_NAME}"

# One client's figures computed live, in one statement: the view's own SELECT narrowed to
# the client (PostgreSQL pushes the client id into each grouped subquery, so it reads that
# client's rows only). The portal uses it after the client's own change, until the next
# refresh catches up; the same text as the view, so the two cannot disagree.
# Parameters: the "last 30 days" start to use when no refresh has stored one yet, then
# the client id.
_STORED_WINDOW = "(SELECT documents_since FROM portal_dashboard_window WHERE id = 1) w"
LIVE_ONE_CLIENT = (
    CREATE_VIEW.split(" AS\n", 1)[1]
    .replace(_STORED_WINDOW, "(SELECT COALESCE((SELECT documents_since FROM "
                             "portal_dashboard_window WHERE id = 1), %s::timestamptz)"
                             " AS documents_since) w")
    .replace("WHERE c.deleted_at IS NULL\nWITH DATA", "WHERE c.id = %s")
)
assert LIVE_ONE_CLIENT.lstrip().startswith("SELECT") and LIVE_ONE_CLIENT.count("%s") == 2
