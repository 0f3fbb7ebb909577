"""Portal demo data for the three demo firms (called by `manage.py seed_demo`).

Idempotent: a firm that already has clients is left alone. Client users of each demo firm
get access to some clients, so signing in as them shows a filled portal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.billing.models import Payment, PaymentTerms
from apps.billing.payments import payment_record
from apps.billing.services import invoice_create, invoice_send, invoices_mark_overdue
from apps.documents.models import Document
from apps.documents.pipeline import document_process
from apps.documents.services import document_review, documents_upload
from apps.firms.models import Firm
from apps.portal.demo_files import demo_file
from apps.portal.models import Client, ClientAccess, Engagement, Task
from apps.portal.refresh import dashboard_refresh
from apps.portal.services import client_create, engagement_create, task_create

QUIET_MAIL = "django.core.mail.backends.dummy.EmailBackend"

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
# What each kind of engagement bills: (line description, quantity, share of the fee each).
INVOICE_LINES = {
    Engagement.Type.TAX_RETURN: [("Federal and state income tax returns", 1, "0.8"),
                                 ("Quarterly estimated tax planning", 1, "0.2")],
    Engagement.Type.BOOKKEEPING: [("Monthly bookkeeping and reconciliations", 3, "0.3"),
                                  ("Payroll processing", 1, "0.1")],
    Engagement.Type.CFO_ADVISORY: [("Fractional CFO advisory (hours)", 10, "0.07"),
                                   ("Board reporting pack", 1, "0.3")],
}
# Invoice stories, each consistent with today: (days since issue, what happened). Net 30,
# so an invoice issued more than 30 days ago and still owed is overdue, and only that.
INVOICE_STORIES = [(75, "paid"), (45, "overdue"), (12, "sent"), (0, "draft")]


def _lines(engagement: Engagement) -> list[dict]:
    return [{"description": description, "quantity": str(quantity),
             "unit_price": str((engagement.fee * Decimal(share)).quantize(Decimal("0.01"))),
             "tax_rate": "0"}
            for description, quantity, share in INVOICE_LINES[engagement.type]]


def _invoice(engagement: Engagement, story: int, today: date) -> None:
    """An invoice made, sent and paid through the billing services, as a firm would."""
    days_ago, outcome = INVOICE_STORIES[story % len(INVOICE_STORIES)]
    issued = today - timedelta(days=days_ago)
    invoice = invoice_create(client=engagement.client, engagement=engagement,
                             lines=_lines(engagement), issue_date=issued,
                             payment_terms=PaymentTerms.NET_30, created_by=None)
    if outcome == "draft":
        return
    invoice = invoice_send(invoice=invoice)
    if outcome == "paid":
        payment_record(invoice=invoice, amount=invoice.total, method=Payment.Method.ACH,
                       received_on=issued + timedelta(days=21), reference="ACH demo")


def _documents(client: Client, count: int, today: date, uploader_id: int | None) -> None:
    """Real files through the upload service; seed_documents_settle processes them."""
    for d in range(count):
        name, category, content = demo_file(client.pk + d, client.business_name, today)
        documents_upload(client=client, files=[SimpleUploadedFile(name, content)],
                         category=category, uploaded_by_id=uploader_id)


def _fill(firm: Firm, client_count: int) -> int:
    staff = list(Membership.objects.filter(firm=firm, is_active=True)
                 .exclude(role__in=[Role.CLIENT_OWNER, Role.CLIENT_MEMBER])
                 .order_by("id").values_list("user_id", flat=True))
    today = timezone.localdate()
    clients = []
    for index, (name, industry, revenue) in enumerate(DEMO_CLIENTS[:client_count]):
        client = client_create(
            business_name=name, industry=industry, annual_revenue=Decimal(revenue),
            status=Client.Status.ONBOARDING if index == 5 else Client.Status.ACTIVE,
            contact_name=f"{name.split()[0]} Owner",
            contact_email=f"owner@{name.split()[0].lower()}.example",
            contact_phone=f"(555) 010-{1000 + index}",
            assigned_staff_id=staff[index % len(staff)])
        clients.append(client)
        for k, kind in enumerate([Engagement.Type.TAX_RETURN, Engagement.Type.BOOKKEEPING,
                                  Engagement.Type.CFO_ADVISORY][: 1 + index % 3]):
            engagement = engagement_create(
                client=client, type=kind, fee=Decimal(1500 + 750 * k + 100 * index),
                status=Engagement.Status.ACTIVE if k == 0 else Engagement.Status.PLANNED,
                start_date=date(today.year, 1, 15), responsible_id=staff[k % len(staff)])
            for t in range(2):
                task_status = [Task.Status.PENDING, Task.Status.IN_PROGRESS,
                               Task.Status.COMPLETED][(index + t) % 3]
                # Open work is due from a few days ago to next month; done work was due
                # in the past.
                due = today + timedelta(days=(-20 + 3 * t) if task_status == "completed"
                                        else -2 + 5 * t + k + index % 7)
                task_create(
                    client=client, engagement=engagement,
                    title=TASK_TITLES[(index + k + t) % len(TASK_TITLES)], status=task_status,
                    priority=1 + (index + t) % 4, due_date=due,
                    assignee_id=staff[(k + t) % len(staff)],
                    estimated_hours=Decimal("1.5") * (t + 1))
            _invoice(engagement, index + k, today)
        _documents(client, 2 + index % 4, today, staff[index % len(staff)])
    # Invoices past their due date and still owed become overdue the way the nightly
    # sweep makes them.
    invoices_mark_overdue(today=today)
    for role, how_many in ((Role.CLIENT_OWNER, 2), (Role.CLIENT_MEMBER, 1)):
        user_id = (Membership.objects.filter(firm=firm, role=role)
                   .values_list("user_id", flat=True).first())
        if user_id is not None:
            for client in clients[:how_many]:
                ClientAccess.objects.get_or_create(user_id=user_id, client=client)
    return len(clients)


def seed_documents_settle(progress: Callable[[str], None] = print) -> None:
    """Run the pipeline now on every demo upload still waiting for it (the portal's, the
    organizers' and conversations'): the demo is whole when seed_demo ends, with or without
    a worker (a worker that gets the queued message later finds nothing to claim). Then
    staff approve some of what needs review, as they would have."""
    for firm in Firm.objects.filter(slug__in=list(DEMO_SIZES)).order_by("pk"):
        with schema_context(firm.schema_name):
            waiting = list(Document.objects.filter(status__in=Document.PENDING_STATUSES)
                           .order_by("id").values_list("id", flat=True))
            for document_id in waiting:
                document_process(document_id=document_id)
            reviewed = 0
            for document in Document.objects.filter(pk__in=waiting[::2],
                                                    status=Document.Status.NEEDS_REVIEW):
                document_review(document=document, decision="approve")
                reviewed += 1
            if waiting:
                dashboard_refresh()
                progress(f"    {firm.name}: {len(waiting)} documents processed, "
                         f"{reviewed} approved")


DEMO_SIZES = {"johnson-associates": 10, "sarah-chen": 4, "regional-cpa-network": 8}


def seed_portal_demo(progress: Callable[[str], None] = print) -> None:
    for firm in Firm.objects.filter(slug__in=list(DEMO_SIZES)).order_by("pk"):
        with schema_context(firm.schema_name):
            if Client.objects.exists():
                progress(f"    {firm.name}: portal data already there")
                continue
            # The demo's invoices were "sent" long ago: nobody is mailed about them now.
            with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic():
                made = _fill(firm, DEMO_SIZES[firm.slug])
            dashboard_refresh()
            progress(f"    {firm.name}: {made} clients with engagements, tasks, documents "
                     "and invoices; client users given access")
