"""Portal demo data for the three demo firms (called by `manage.py seed_demo`).

Idempotent: a firm that already has clients is left alone. Client users of each demo firm
get access to some clients, so signing in as them shows a filled portal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.firms.models import Firm
from apps.portal.models import Client, ClientAccess, Engagement, Task
from apps.portal.refresh import dashboard_refresh

DEMO_CLIENTS = [
    ("Brightline Bakery LLC", Client.Industry.HOSPITALITY, "840000"),
    ("Cedar & Stone Builders", Client.Industry.CONSTRUCTION, "3200000"),
    ("Northwind Dental Group", Client.Industry.HEALTHCARE, "2150000"),
    ("Pixelcraft Studio Inc", Client.Industry.TECHNOLOGY, "1275000"),
    ("Harbor View Properties", Client.Industry.REAL_ESTATE, "5400000"),
    ("Green Valley Co-op", Client.Industry.NONPROFIT, "620000"),
    ("Summit Outfitters", Client.Industry.RETAIL, "1980000"),
    ("Ironworks Fabrication", Client.Industry.MANUFACTURING, "7600000"),
    ("Lakeside Law Partners", Client.Industry.PROFESSIONAL_SERVICES, "2900000"),
    ("Maple Street Cafe", Client.Industry.HOSPITALITY, "410000"),
]
TASK_TITLES = ["Upload bank statements", "Send payroll summary", "Review draft return",
               "Sign engagement letter", "Provide 1099 vendor list", "Approve budget"]
DOC_NAMES = [("2025-bank-statements.pdf", Document.Category.BANK_STATEMENT),
             ("w2-forms.pdf", Document.Category.TAX_RETURN),
             ("q4-receipts.zip", Document.Category.RECEIPT),
             ("payroll-register.xlsx", Document.Category.PAYROLL),
             ("balance-sheet.pdf", Document.Category.FINANCIAL_STATEMENT)]


def _fill(firm: Firm, client_count: int) -> int:
    staff = list(Membership.objects.filter(firm=firm, is_active=True)
                 .exclude(role__in=[Role.CLIENT_OWNER, Role.CLIENT_MEMBER])
                 .order_by("id").values_list("user_id", flat=True))
    today = timezone.now().date()
    statuses = [Document.Status.APPROVED, Document.Status.NEEDS_REVIEW,
                Document.Status.UPLOADED, Document.Status.APPROVED, Document.Status.PROCESSING]
    clients = []
    for index, (name, industry, revenue) in enumerate(DEMO_CLIENTS[:client_count]):
        client = Client.objects.create(
            business_name=name, industry=industry, annual_revenue=Decimal(revenue),
            status=Client.Status.ONBOARDING if index == 5 else Client.Status.ACTIVE,
            contact_name=f"{name.split()[0]} Owner",
            contact_email=f"owner@{name.split()[0].lower()}.example",
            contact_phone=f"(555) 010-{1000 + index}",
            assigned_staff_id=staff[index % len(staff)])
        clients.append(client)
        for k, kind in enumerate([Engagement.Type.TAX_RETURN, Engagement.Type.BOOKKEEPING,
                                  Engagement.Type.CFO_ADVISORY][: 1 + index % 3]):
            engagement = Engagement.objects.create(
                client=client, type=kind, fee=Decimal(1500 + 750 * k + 100 * index),
                status=Engagement.Status.ACTIVE if k == 0 else Engagement.Status.PLANNED,
                start_date=date(today.year, 1, 15), responsible_id=staff[k % len(staff)])
            for t in range(2):
                Task.objects.create(
                    client=client, engagement=engagement,
                    title=TASK_TITLES[(index + k + t) % len(TASK_TITLES)],
                    status=[Task.Status.PENDING, Task.Status.IN_PROGRESS,
                            Task.Status.COMPLETED][(index + t) % 3],
                    priority=1 + (index + t) % 4, due_date=today + timedelta(days=3 + 5 * t + k),
                    assignee_id=staff[(k + t) % len(staff)],
                    estimated_hours=Decimal("1.5") * (t + 1))
            status = [Invoice.Status.PAID, Invoice.Status.SENT, Invoice.Status.OVERDUE][
                (index + k) % 3]
            Invoice.objects.create(
                client=client, engagement=engagement, number=f"INV-{today.year}-{client.pk:03d}{k}",
                status=status, issue_date=today - timedelta(days=40 - k),
                due_date=today - timedelta(days=10 - 20 * k), total=engagement.fee,
                balance=Decimal(0) if status == Invoice.Status.PAID else engagement.fee,
                paid_at=timezone.now() if status == Invoice.Status.PAID else None)
        for d, (file_name, category) in enumerate(DOC_NAMES[: 2 + index % 4]):
            Document.objects.create(client=client, file_name=file_name, category=category,
                                    status=statuses[(index + d) % len(statuses)],
                                    size_bytes=48_000 + 13_000 * d)
    for role, how_many in ((Role.CLIENT_OWNER, 2), (Role.CLIENT_MEMBER, 1)):
        user_id = (Membership.objects.filter(firm=firm, role=role)
                   .values_list("user_id", flat=True).first())
        if user_id is not None:
            for client in clients[:how_many]:
                ClientAccess.objects.get_or_create(user_id=user_id, client=client)
    return len(clients)


def seed_portal_demo(progress: Callable[[str], None] = print) -> None:
    sizes = {"johnson-associates": 10, "sarah-chen": 4, "regional-cpa-network": 8}
    for firm in Firm.objects.filter(slug__in=list(sizes)).order_by("pk"):
        with schema_context(firm.schema_name):
            if Client.objects.exists():
                progress(f"    {firm.name}: portal data already there")
                continue
            with transaction.atomic():
                made = _fill(firm, sizes[firm.slug])
            dashboard_refresh()
            progress(f"    {firm.name}: {made} clients with engagements, tasks, documents "
                     "and invoices; client users given access")
