"""The one beat schedule. Each entry says why it exists; `expires` stays under the period
so a backlog never piles up runs of the same job.

Per-firm work is scheduled once here and fans out through
`advisoros.tasks.for_each_firm`, which skips firms whose schema is not ready.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    # Sessions live in Redis with a database copy; expired database rows would otherwise
    # accumulate for ever.
    "sessions-clear-expired": {
        "task": "advisoros.tasks.sessions_clear_expired",
        "schedule": crontab(minute=17, hour=3),
        "options": {"expires": 60 * 60},
    },
    # Client dashboards read the client_dashboard_metrics view; refresh it in every firm
    # every 5 minutes, spread over a minute so firms do not refresh at one instant. A
    # firm's refresh skips itself while another one of that firm runs (advisory lock).
    "portal-dashboard-refresh": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": 5 * 60,
        "args": ["portal.dashboard_refresh"],
        "kwargs": {"spread_seconds": 60},
        "options": {"expires": 4 * 60},
    },
    # Documents whose processing message was lost (broker restart, a worker gone for
    # good) are queued again; processing is idempotent, so a late duplicate is harmless.
    "documents-requeue-stale": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": 10 * 60,
        "args": ["documents.requeue_stale"],
        "kwargs": {"spread_seconds": 60},
        "options": {"expires": 9 * 60},
    },
    # Billing (apps/billing): recurring invoices once a day in every firm (one invoice per
    # plan and period, unique in the database, so a repeated run makes nothing new).
    "billing-recurring-invoices": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": crontab(minute=5, hour=1),
        "args": ["billing.recurring_invoices_generate"],
        "kwargs": {"spread_seconds": 300},
        "options": {"expires": 60 * 60},
    },
    # Open invoices past their due date become overdue, after the recurring run.
    "billing-mark-overdue": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": crontab(minute=35, hour=1),
        "args": ["billing.invoices_mark_overdue"],
        "kwargs": {"spread_seconds": 300},
        "options": {"expires": 60 * 60},
    },
    # Commissions are recorded after commit by a task; this batch records whatever that
    # path missed (a lost message, a worker that died). Event keys make it idempotent.
    "billing-commission-catch-up": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": crontab(minute=45),
        "args": ["billing.revenue_share_catch_up"],
        "kwargs": {"spread_seconds": 120},
        "options": {"expires": 50 * 60},
    },
    # Alert rules (p95, error rate, cache hit ratio, queue depth) look at the last five
    # complete minutes; sampling queue depths here also feeds the dashboard's chart.
    "observability-alerts-evaluate": {
        "task": "apps.observability.tasks.alerts_evaluate",
        "schedule": 60,
        "options": {"expires": 50},
    },
}

# People (apps/people): the daily notification digest in every firm, early morning UTC,
# to people who asked for one; entries are marked as sent, so a rerun sends nothing.
BEAT_SCHEDULE["people-notifications-digest"] = {
    "task": "advisoros.tasks.dispatch_to_firms",
    "schedule": crontab(minute=30, hour=6),
    "args": ["people.notifications_digest"],
    "kwargs": {"spread_seconds": 600},
    "options": {"expires": 60 * 60},
}
