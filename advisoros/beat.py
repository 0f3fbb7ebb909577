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
    # Documents stranded by a fault are sent again: an upload made while the broker was
    # down (no message sent, after 20 s), a task gone silent (worker killed, database
    # retries exhausted: no sign of life for 45 s), a message the broker lost (15 min).
    # Every 30 s, so recovery stays under two minutes; a live run is never taken over and
    # the attempt fence refuses a dead run's late write, so nothing is processed twice.
    "documents-requeue-stale": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": 30,
        "args": ["documents.requeue_stale"],
        "kwargs": {"spread_seconds": 10},
        "options": {"expires": 25},
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
    # Audit trails: audited writes only INSERT and mark their schema; this seals the
    # marked schemas' new rows into their chains (apps/audit/services.py).
    "audit-seal-pending": {
        "task": "audit.seal_pending",
        "schedule": 5,
        "options": {"expires": 4},
    },
    # Seal everything and anchor every audit chain's head (database + outside copy), so
    # truncation shows; also the sweep for rows whose mark was lost.
    "audit-anchor-all": {
        "task": "audit.anchor_all",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    # Billing: the commission catch-up for recently changed invoices, every minute, so a
    # lost after-commit message is recovered within about 90 s (20 s grace for the task
    # itself + the period + spread) rather than at the hourly full catch-up above. It
    # skips invoices another transaction holds and event keys make a repeat harmless.
    "billing-commission-catch-up-recent": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": 60,
        "args": ["billing.revenue_share_catch_up_recent"],
        "kwargs": {"spread_seconds": 10},
        "options": {"expires": 50},
    },
    # Billing: online payments whose charge went through but whose recording failed (or
    # whose provider call never answered) are settled by asking the provider, by the
    # intent's idempotency key; intents younger than a minute are left to their request.
    "billing-payment-intents-reconcile": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": 60,
        "args": ["billing.payment_intents_reconcile"],
        "kwargs": {"spread_seconds": 10},
        "options": {"expires": 50},
    },
    # QuickBooks (apps/integrations): every connected company is synced at least every
    # QUICKBOOKS_SYNC_INTERVAL, oldest first and spread over the period; the shared limiter
    # keeps each company and the platform under QuickBooks' limits.
    "integrations-quickbooks-sync": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": 5 * 60,
        "args": ["integrations.quickbooks_sync_due"],
        "kwargs": {"spread_seconds": 30},
        "options": {"expires": 4 * 60},
    },
    # Sync runs whose worker died resume from their checkpoint within about 3 minutes.
    "integrations-quickbooks-resume": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": 60,
        "args": ["integrations.quickbooks_resume_stale"],
        "options": {"expires": 50},
    },
    # Outgoing webhooks: retries that are due, and documents processed since the last scan.
    "integrations-webhooks-due": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": 60,
        "args": ["integrations.webhooks_due"],
        "options": {"expires": 50},
    },
    # Work (apps/work): each recurring schedule's job for the current period, and any
    # periods missed while beat was down. Unique (schedule, period) in the database makes a
    # repeated or concurrent run create nothing new; hourly so a new period starts early.
    "work-recurring-jobs": {
        "task": "advisoros.tasks.dispatch_to_firms",
        "schedule": crontab(minute=25),
        "args": ["work.recurring_jobs_generate"],
        "kwargs": {"spread_seconds": 120},
        "options": {"expires": 50 * 60},
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

# Insight (apps/insight): cash-flow and revenue forecasts of every client, nightly; series
# whose months did not change since the last run are skipped (fingerprints).
BEAT_SCHEDULE["insight-forecasts-refresh"] = {
    "task": "advisoros.tasks.dispatch_to_firms",
    "schedule": crontab(minute=50, hour=2),
    "args": ["insight.forecasts_refresh"],
    "kwargs": {"spread_seconds": 600},
    "options": {"expires": 60 * 60},
}

# People (apps/people): clients hear about document requests due within
# REQUEST_DUE_SOON_DAYS, once per request and due date (keys recorded; reruns tell nobody).
BEAT_SCHEDULE["people-requests-due-soon"] = {
    "task": "advisoros.tasks.dispatch_to_firms",
    "schedule": crontab(minute=0, hour=13),
    "args": ["people.requests_due_soon"],
    "kwargs": {"spread_seconds": 600},
    "options": {"expires": 60 * 60},
}

# Firm BI (apps/insight/bi_sql.py): the materialized views behind /insight/bi/, every 15
# minutes in every firm; a firm's refresh skips itself while another one runs.
BEAT_SCHEDULE["insight-bi-refresh"] = {
    "task": "advisoros.tasks.dispatch_to_firms",
    "schedule": 15 * 60,
    "args": ["insight.bi_refresh"],
    "kwargs": {"spread_seconds": 120},
    "options": {"expires": 14 * 60},
}

# Client health (apps/clienthealth): every client's score, hourly, in one set-based pass
# per firm (about a minute at most for a 50,000-client firm, docs/benchmarks.md); the
# day's score goes into the trend. A firm's refresh skips itself while one is running.
BEAT_SCHEDULE["clienthealth-refresh"] = {
    "task": "advisoros.tasks.dispatch_to_firms",
    "schedule": crontab(minute=40),
    "args": ["clienthealth.refresh"],
    "kwargs": {"spread_seconds": 600},
    "options": {"expires": 50 * 60},
}

# Compliance monitor (apps/compliance): every rule in every firm, hourly; a finding opens
# once per subject and rule, closes when its condition is gone, re-opens if it returns.
BEAT_SCHEDULE["compliance-evaluate"] = {
    "task": "advisoros.tasks.dispatch_to_firms",
    "schedule": crontab(minute=10),
    "args": ["compliance.evaluate"],
    "kwargs": {"spread_seconds": 600},
    "options": {"expires": 50 * 60},
}
