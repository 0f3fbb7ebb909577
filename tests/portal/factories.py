"""Plain factories for portal tests: real rows in the current firm schema."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.portal.models import Client, ClientAccess, Engagement, Task

_numbers = itertools.count(1)


def make_client(**fields) -> Client:
    fields.setdefault("business_name", f"Client {next(_numbers)}")
    return Client.objects.create(**fields)


def make_engagement(client: Client, **fields) -> Engagement:
    fields.setdefault("type", Engagement.Type.BOOKKEEPING)
    fields.setdefault("status", Engagement.Status.ACTIVE)
    fields.setdefault("start_date", date(2026, 1, 1))
    fields.setdefault("fee", Decimal("1200.00"))
    return Engagement.objects.create(client=client, **fields)


def make_task(client: Client, **fields) -> Task:
    fields.setdefault("title", f"Task {next(_numbers)}")
    return Task.objects.create(client=client, **fields)


def make_document(client: Client, *, days_old: int = 0, **fields) -> Document:
    fields.setdefault("file_name", f"doc-{next(_numbers)}.pdf")
    fields.setdefault("size_bytes", 1000)
    document = Document.objects.create(client=client, **fields)
    if days_old:
        Document.objects.filter(pk=document.pk).update(
            created_at=timezone.now() - timedelta(days=days_old))
        document.refresh_from_db()
    return document


def make_invoice(client: Client, *, total: str = "100.00", balance: str | None = None,
                 **fields) -> Invoice:
    fields.setdefault("status", Invoice.Status.SENT)
    fields.setdefault("issue_date", date(2026, 1, 1))
    fields.setdefault("due_date", date(2026, 1, 31))
    fields.setdefault("number", f"{connection.schema_name}-{next(_numbers)}")
    amount = Decimal(total)
    return Invoice.objects.create(client=client, total=amount,
                                  balance=Decimal(balance) if balance is not None else amount,
                                  **fields)


def give_access(user, client: Client) -> ClientAccess:
    return ClientAccess.objects.create(user_id=user.pk, client=client)
