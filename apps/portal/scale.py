"""Seed-scale data: many firms, one with 50,000 clients, all rows generated inside
PostgreSQL (INSERT ... SELECT over generate_series), so 3 million rows take minutes, not
hours, and nothing crosses the wire row by row.

Values are deterministic functions of the row number (no random()): two runs build the
same data, and the benchmark can pick clients by id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.firms.models import Firm
from apps.firms.services import firm_create
from apps.portal.refresh import dashboard_refresh


@dataclass(frozen=True)
class ScalePlan:
    firms: int = 51
    clients: int = 100_000
    big_firm_clients: int = 50_000
    engagements_per_client: int = 5
    tasks_per_engagement: int = 2
    documents_per_client: int = 10
    prefix: str = "scale"

    def firm_sizes(self) -> list[int]:
        """Client count per firm: the big firm first, the rest spread evenly."""
        if self.firms < 1 or self.clients < 1:
            raise ValueError("Need at least one firm and one client.")
        big = min(self.big_firm_clients, self.clients)
        if self.firms == 1:
            return [self.clients]
        rest, others = self.clients - big, self.firms - 1
        return [big] + [rest // others + (1 if i < rest % others else 0) for i in range(others)]

    def slug(self, index: int) -> str:
        return f"{self.prefix}-big" if index == 0 else f"{self.prefix}-{index:03d}"


_CLIENTS = """
INSERT INTO portal_client (business_name, status, industry, annual_revenue, contact_name,
    contact_email, contact_phone, assigned_staff_id, created_at, updated_at, deleted_at)
SELECT 'Client ' || i || ' ' || (ARRAY['Holdings','LLC','Inc','Partners','Group'])[1 + i %% 5],
       (ARRAY['active','active','active','onboarding','inactive'])[1 + (i * 7) %% 5],
       (ARRAY['professional_services','retail','construction','healthcare','technology',
              'real_estate','hospitality','manufacturing','nonprofit','other'])[1 + (i * 13) %% 10],
       -- Every tenth client has no revenue on file: the list sorts them last.
       CASE WHEN i %% 10 <> 0 THEN (50000 + (i * 7919) %% 5000000)::numeric(14, 2) END,
       'Contact ' || i, 'contact' || i || '@client.test', '',
       CASE WHEN i %% 3 = 0 THEN %(staff)s END,
       %(now)s - make_interval(days => (i %% 730)::int), %(now)s, NULL
FROM generate_series(1, %(n)s) AS i
"""
_ENGAGEMENTS = """
INSERT INTO portal_engagement (client_id, type, status, start_date, end_date, fee,
    responsible_id, created_at, updated_at)
SELECT c.id,
       (ARRAY['tax_return','bookkeeping','cfo_advisory','audit','payroll'])[1 + (c.id + k) %% 5],
       (ARRAY['active','completed','planned','active','on_hold'])[1 + (c.id * 3 + k) %% 5],
       DATE '2024-01-01' + ((c.id * 17 + k * 61) %% 700)::int,
       NULL,
       (500 + (c.id * 31 + k * 97) %% 20000)::numeric(12, 2),
       %(staff)s, %(now)s, %(now)s - make_interval(days => ((c.id + k) %% 400)::int)
FROM portal_client c CROSS JOIN generate_series(1, %(per)s) AS k
"""
_TASKS = """
INSERT INTO portal_task (client_id, engagement_id, title, status, priority, due_date,
    assignee_id, estimated_hours, created_at, updated_at)
SELECT e.client_id, e.id, 'Task ' || k || ' for engagement ' || e.id,
       (ARRAY['pending','in_progress','completed','completed'])[1 + (e.id + k) %% 4],
       1 + (e.id * 7 + k) %% 4,
       DATE '2025-01-01' + ((e.id * 13 + k * 29) %% 540)::int,
       %(staff)s, (1 + (e.id + k) %% 12)::numeric(6, 2),
       %(now)s, %(now)s - make_interval(days => ((e.id * 3 + k) %% 300)::int)
FROM portal_engagement e CROSS JOIN generate_series(1, %(per)s) AS k
"""
_DOCUMENTS = """
INSERT INTO documents_document (client_id, file_name, file, category, status, size_bytes,
    uploaded_by_id, created_at, deleted_at)
SELECT c.id, 'document-' || c.id || '-' || k || '.pdf', '',
       (ARRAY['tax_return','bank_statement','receipt','invoice','payroll',
              'financial_statement','contract','other'])[1 + (c.id + k) %% 8],
       -- Settled statuses only: a seeded row has no stored file, so an `uploaded` or
       -- `processing` one would be swept back into the pipeline and fail, and a load
       -- test would measure that flood of background work instead of the requests it sends.
       (ARRAY['processed','approved','approved','needs_review','processed',
              'approved','rejected','approved'])[1 + (c.id * 5 + k) %% 8],
       10000 + (c.id * 101 + k * 7) %% 5000000, NULL,
       %(now)s - make_interval(days => ((c.id * 11 + k * 37) %% 365)::int),
       CASE WHEN (c.id + k) %% 50 = 0 THEN %(now)s END
FROM portal_client c CROSS JOIN generate_series(1, %(per)s) AS k
"""
# One invoice per engagement: paid for most, open or overdue for some.
_INVOICES = """
INSERT INTO billing_invoice (client_id, engagement_id, number, status, issue_date, due_date,
    total, balance, paid_at, created_at, updated_at)
SELECT e.client_id, e.id, 'INV-' || e.id,
       s.status, e.start_date, e.start_date + 30, e.fee,
       CASE WHEN s.status IN ('sent', 'overdue') THEN e.fee ELSE 0 END,
       CASE WHEN s.status = 'paid' THEN %(now)s END, %(now)s,
       %(now)s - make_interval(days => (e.id %% 200)::int)
FROM portal_engagement e
CROSS JOIN LATERAL (SELECT (ARRAY['paid','paid','paid','sent','overdue','draft','paid','void'])
                           [1 + (e.id * 7) %% 8] AS status) s
"""


def _owner(slug: str) -> User:
    email = f"owner@{slug}.test"
    return User.objects.filter(email=email).first() or user_create(
        email=email, password=None, full_name=f"Owner of {slug}", validate=False)


def _fill_firm(firm: Firm, clients: int, plan: ScalePlan, staff_id: int,
               progress: Callable[[str], None]) -> dict[str, int]:
    from django.utils import timezone

    now = timezone.now()
    counts: dict[str, int] = {}
    steps = [("clients", _CLIENTS, {"n": clients}),
             ("engagements", _ENGAGEMENTS, {"per": plan.engagements_per_client}),
             ("tasks", _TASKS, {"per": plan.tasks_per_engagement}),
             ("documents", _DOCUMENTS, {"per": plan.documents_per_client}),
             ("invoices", _INVOICES, {})]
    with schema_context(firm.schema_name), transaction.atomic(), connection.cursor() as cur:
        for name, sql, params in steps:
            started = time.perf_counter()
            cur.execute(sql, {"now": now, "staff": staff_id, **params})
            counts[name] = cur.rowcount
            if clients >= 10_000:
                progress(f"    {name}: {cur.rowcount:,} rows in "
                         f"{time.perf_counter() - started:.1f} s")
    with schema_context(firm.schema_name):
        dashboard_refresh(concurrently=False)
    return counts


def _analyze(firm: Firm) -> None:
    """Fresh planner statistics for the new rows (the lists' "about 50,000" comes from
    them). ANALYZE is the owner's right: the application's role would only get a warning."""
    from advisoros.db_roles import migration_role

    if connection.in_atomic_block:
        return  # the caller's transaction (tests); the role cannot switch inside it
    with migration_role(), schema_context(firm.schema_name), connection.cursor() as cur:
        for table in ("portal_client", "portal_engagement", "portal_task",
                      "documents_document", "billing_invoice", "client_dashboard_metrics"):
            cur.execute(f"ANALYZE {table}")


@dataclass(frozen=True)
class FirmSize:
    clients: int
    engagements: int
    tasks: int
    documents: int

    def describe(self) -> str:
        return (f"{self.clients:,} clients, {self.engagements:,} engagements, "
                f"{self.tasks:,} tasks, {self.documents:,} documents")


def planned_size(plan: ScalePlan, clients: int) -> FirmSize:
    engagements = clients * plan.engagements_per_client
    return FirmSize(clients=clients, engagements=engagements,
                    tasks=engagements * plan.tasks_per_engagement,
                    documents=clients * plan.documents_per_client)


def firm_size(firm: Firm) -> FirmSize:
    """What a firm holds now (every row, archived ones too, as the seed wrote them)."""
    with schema_context(firm.schema_name), connection.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM portal_client), "
                    "(SELECT count(*) FROM portal_engagement), "
                    "(SELECT count(*) FROM portal_task), "
                    "(SELECT count(*) FROM documents_document)")
        clients, engagements, tasks, documents = cur.fetchone()
    return FirmSize(clients=clients, engagements=engagements, tasks=tasks,
                    documents=documents)


def seed_scale(plan: ScalePlan, progress: Callable[[str], None] = print, *,
               rebuild: bool = False) -> dict[str, int]:
    """Create the plan's firms and fill them. A firm that already exists is measured: kept
    when it has the planned size; when it has another size it is rebuilt if `rebuild`,
    else kept and reported (totals["mismatched"] counts those), never silently reused."""
    from apps.firms.services import firm_delete
    from apps.firms.template_schema import template_schema_ensure

    sizes = plan.firm_sizes()
    totals = dict.fromkeys(["firms", "clients", "engagements", "tasks", "documents",
                            "invoices", "kept", "rebuilt", "mismatched"], 0)
    started = time.perf_counter()
    # Creating or migrating the shared template switches to the owner's role, which
    # cannot happen inside the per-firm transaction below.
    template_schema_ensure()
    for index, clients in enumerate(sizes):
        slug = plan.slug(index)
        step = f"[{index + 1}/{len(sizes)}] {slug}"
        existing = Firm.objects.filter(slug=slug).first()
        if existing is not None:
            found, wanted = firm_size(existing), planned_size(plan, clients)
            if found == wanted:
                progress(f"{step}: exists with the planned size ({found.describe()}), kept")
                totals["kept"] += 1
                continue
            if not rebuild:
                progress(f"{step}: exists with ANOTHER size: {found.describe()}; the plan "
                         f"wants {wanted.describe()}. Kept as it is; run with --rebuild "
                         "to drop and rebuild it.")
                totals["mismatched"] += 1
                continue
            progress(f"{step}: exists with {found.describe()}; the plan wants "
                     f"{wanted.describe()}: rebuilding")
            firm_delete(firm=existing)
            totals["rebuilt"] += 1
        # One transaction per firm: a failed fill leaves no half-seeded firm behind.
        with transaction.atomic():
            owner = _owner(slug)
            firm = firm_create(name=f"Scale firm {slug}", slug=slug, owner=owner).firm
            counts = _fill_firm(firm, clients, plan, owner.pk, progress)
        _analyze(firm)
        connection.set_schema_to_public()
        totals["firms"] += 1
        for name, value in counts.items():
            totals[name] += value
        progress(f"{step}: {counts['clients']:,} clients, "
                 f"{counts['engagements']:,} engagements "
                 f"(total {totals['clients']:,} / {totals['engagements']:,}, "
                 f"{time.perf_counter() - started:.0f} s)")
    return totals
