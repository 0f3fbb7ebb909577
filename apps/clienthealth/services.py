"""Client health: refresh every client's score of this firm in one set-based pass.

`health_refresh` measures every alive client with one INSERT ... SELECT over grouped
subqueries (invoices, document requests, sign-ins, uploads, messages, engagements), then
records today's score in the history, all in one transaction under a per-firm advisory
lock (a second refresh of the same firm at the same moment skips itself). The naive
per-client way is `naive.health_compute_one`, kept for the benchmark and the tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.clienthealth.scoring import SCORE_SQL
from apps.portal.selectors import current_firm

logger = logging.getLogger(__name__)

OPEN_INVOICE_STATUSES = ("sent", "partially_paid", "overdue")
HISTORY_DAYS = 400  # a year of trend, and a little more

# Named parameters: today, now, since_90 / since_180 / since_365 (timestamps), firm_id.
MEASURE_SQL = """
WITH inv AS (
    SELECT client_id,
           count(*) FILTER (WHERE status = ANY(%(open)s) AND balance > 0
                            AND due_date < %(today)s) AS overdue_invoices,
           coalesce(max(%(today)s - due_date) FILTER (WHERE status = ANY(%(open)s)
                    AND balance > 0 AND due_date < %(today)s), 0) AS worst_days_late,
           avg(greatest(0, (paid_at AT TIME ZONE 'UTC')::date - due_date))
               FILTER (WHERE status = 'paid' AND paid_at >= %(since_365)s) AS paid_days_late
      FROM billing_invoice
     WHERE status = ANY(%(open)s) OR (status = 'paid' AND paid_at >= %(since_365)s)
     GROUP BY client_id
), req AS (
    SELECT r.client_id, count(*) AS overdue_requests
      FROM documents_documentrequestitem i
      JOIN documents_documentrequest r ON r.id = i.request_id
     WHERE i.fulfilled_at IS NULL AND r.cancelled_at IS NULL AND i.due_date < %(today)s
     GROUP BY r.client_id
), act AS (
    SELECT client_id, max(at) AS last_at FROM (
        SELECT client_id, max(created_at) AS at FROM documents_document
         WHERE deleted_at IS NULL AND created_at >= %(since_365)s GROUP BY client_id
        UNION ALL
        SELECT t.client_id, max(m.created_at) FROM people_message m
          JOIN people_thread t ON t.id = m.thread_id
         WHERE NOT m.from_firm AND m.created_at >= %(since_365)s GROUP BY t.client_id
        UNION ALL
        SELECT ca.client_id, max(s.created_at) FROM portal_clientaccess ca
          JOIN public.security_signinrecord s ON s.user_id = ca.user_id
         WHERE s.succeeded AND s.firm_id = %(firm_id)s AND s.created_at >= %(since_365)s
         GROUP BY ca.client_id
    ) a GROUP BY client_id
), resp AS (
    -- How long the client takes to answer: a requested document from the request to the
    -- upload, and a client message from the firm's message it follows.
    SELECT client_id, round(avg(days)::numeric, 1) AS response_days FROM (
        SELECT r.client_id, extract(epoch FROM i.fulfilled_at - r.created_at) / 86400 AS days
          FROM documents_documentrequestitem i
          JOIN documents_documentrequest r ON r.id = i.request_id
         WHERE i.fulfilled_at >= %(since_180)s
        UNION ALL
        SELECT client_id, extract(epoch FROM created_at - prev_at) / 86400 FROM (
            SELECT t.client_id, m.created_at, m.from_firm,
                   lag(m.created_at) OVER w AS prev_at, lag(m.from_firm) OVER w AS prev_firm
              FROM people_message m JOIN people_thread t ON t.id = m.thread_id
             WHERE m.created_at >= %(since_180)s - interval '30 days'
            WINDOW w AS (PARTITION BY m.thread_id ORDER BY m.created_at, m.id)
        ) x WHERE NOT from_firm AND prev_firm AND created_at >= %(since_180)s
    ) r GROUP BY client_id
), eng AS (
    SELECT client_id,
           count(*) FILTER (WHERE created_at >= %(since_90)s) AS added,
           count(*) FILTER (WHERE status IN ('completed', 'cancelled')
                            AND coalesce(end_date, (updated_at AT TIME ZONE 'UTC')::date)
                                >= %(since_90)s::date) AS ended
      FROM portal_engagement GROUP BY client_id
), measured AS (
    SELECT c.id AS client_id,
           coalesce(inv.overdue_invoices, 0) AS overdue_invoices,
           coalesce(inv.worst_days_late, 0) AS worst_days_late,
           coalesce(req.overdue_requests, 0) AS overdue_requests,
           greatest(0, %(today)s - (greatest(act.last_at, c.created_at)
                                    AT TIME ZONE 'UTC')::date) AS days_idle,
           resp.response_days,
           coalesce(eng.added, 0) AS engagements_added,
           coalesce(eng.ended, 0) AS engagements_ended,
           round(inv.paid_days_late, 1) AS paid_days_late
      FROM portal_client c
      LEFT JOIN inv ON inv.client_id = c.id
      LEFT JOIN req ON req.client_id = c.id
      LEFT JOIN act ON act.client_id = c.id
      LEFT JOIN resp ON resp.client_id = c.id
      LEFT JOIN eng ON eng.client_id = c.id
     WHERE c.deleted_at IS NULL
)
"""

# SCORE_SQL is a constant of scoring.py, not input: no injection path.
REFRESH_SQL = MEASURE_SQL + f"""
INSERT INTO clienthealth_clienthealth AS h
       (client_id, score, overdue_invoices, worst_days_late, overdue_requests, days_idle,
        response_days, engagements_added, engagements_ended, paid_days_late, computed_at)
SELECT client_id, {SCORE_SQL}, overdue_invoices, worst_days_late, overdue_requests,
       days_idle, response_days, engagements_added, engagements_ended, paid_days_late,
       %(now)s
  FROM measured
ON CONFLICT (client_id) DO UPDATE SET
       score = EXCLUDED.score, overdue_invoices = EXCLUDED.overdue_invoices,
       worst_days_late = EXCLUDED.worst_days_late,
       overdue_requests = EXCLUDED.overdue_requests, days_idle = EXCLUDED.days_idle,
       response_days = EXCLUDED.response_days,
       engagements_added = EXCLUDED.engagements_added,
       engagements_ended = EXCLUDED.engagements_ended,
       paid_days_late = EXCLUDED.paid_days_late, computed_at = EXCLUDED.computed_at
"""  # noqa: S608


@dataclass(frozen=True)
class HealthRefresh:
    clients: int
    duration_ms: int
    skipped: bool = False


def measure_params(*, now: datetime, firm_id: int) -> dict:
    today = now.date()
    return {"open": list(OPEN_INVOICE_STATUSES), "today": today, "now": now, "firm_id": firm_id,
            "since_90": now - timedelta(days=90), "since_180": now - timedelta(days=180),
            "since_365": now - timedelta(days=365)}


def _lock_key() -> str:
    return f"clienthealth-refresh:{connection.schema_name}"


def health_refresh(*, now: datetime | None = None) -> HealthRefresh:
    """Score every alive client of the connection's firm; record today's history."""
    now = now or timezone.now()
    firm_id = current_firm().pk
    clock = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [_lock_key()])
        if not cursor.fetchone()[0]:
            logger.info("client health refresh of %s skipped: one is running",
                        connection.schema_name)
            return HealthRefresh(clients=0, duration_ms=0, skipped=True)
        # Deleted clients leave the list (their history stays until it ages out).
        cursor.execute("DELETE FROM clienthealth_clienthealth h USING portal_client c "
                       "WHERE c.id = h.client_id AND c.deleted_at IS NOT NULL")
        cursor.execute(REFRESH_SQL, measure_params(now=now, firm_id=firm_id))
        clients = cursor.rowcount
        cursor.execute(
            "INSERT INTO clienthealth_clienthealthsnapshot (client_id, day, score) "
            "SELECT client_id, %s, score FROM clienthealth_clienthealth "
            "ON CONFLICT (client_id, day) DO UPDATE SET score = EXCLUDED.score",
            [now.date()])
        cursor.execute("DELETE FROM clienthealth_clienthealthsnapshot WHERE day < %s",
                       [now.date() - timedelta(days=HISTORY_DAYS)])
    duration_ms = round((time.perf_counter() - clock) * 1000)
    logger.info("client health refresh of %s: %s clients in %s ms", connection.schema_name,
                clients, duration_ms)
    return HealthRefresh(clients=clients, duration_ms=duration_ms)


def health_refresh_demo(progress: Callable[[str], None] = print) -> None:
    """Score the demo firms' clients now, so a newcomer's first client page has a health
    score instead of "check back after the next refresh" (the hourly beat does the rest)."""
    from django_tenants.utils import schema_context

    from apps.firms.demo import DEMO_FIRMS
    from apps.firms.models import Firm

    for firm in Firm.objects.filter(slug__in=[demo.slug for demo in DEMO_FIRMS],
                                    schema_ready=True):
        with schema_context(firm.schema_name):
            result = health_refresh()
        progress(f"    {firm.name}: {result.clients} clients scored")
