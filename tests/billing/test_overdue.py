"""Overdue marking goes through the state machine and leaves an audit event per invoice,
while staying a batch job: one UPDATE of the invoice table per batch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditAction, AuditEvent
from apps.billing.models import Invoice
from apps.billing.payments import payment_record
from apps.billing.services import invoices_mark_overdue
from tests.billing.factories import line, sent_invoice

pytestmark = pytest.mark.django_db
S = Invoice.Status
TODAY = date(2026, 2, 15)


def overdue_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED,
                                          details__change="overdue").order_by("id"))


def test_each_invoice_marked_overdue_is_audited_with_before_and_after(in_firm_a):
    late = sent_invoice(issue_date=date(2026, 1, 1), lines=[line(unit_price="90.00")])
    partly = sent_invoice(issue_date=date(2026, 1, 2), lines=[line(unit_price="50.00")])
    payment_record(invoice=partly, amount=Decimal("10.00"), method="ach",
                   received_on=date(2026, 1, 5))

    assert invoices_mark_overdue(today=TODAY) == 2

    events = overdue_events()
    assert [(e.target_type, e.target_id) for e in events] == [
        ("billing.invoice", str(late.pk)), ("billing.invoice", str(partly.pk))]
    assert [(e.details["before"]["status"], e.details["after"]["status"]) for e in events] == [
        ("sent", "overdue"), ("partially_paid", "overdue")]
    assert events[1].details["after"]["balance"] == "40.00"
    assert events[0].details["number"] == late.number
    assert events[0].details["due_date"] == "2026-01-31"
    assert events[0].actor_id is None  # the system, not a person
    assert invoices_mark_overdue(today=TODAY) == 0
    assert len(overdue_events()) == 2  # a repeated run changes and audits nothing


def test_overdue_marking_updates_the_invoices_of_a_batch_in_one_statement(in_firm_a):
    invoices = [sent_invoice(issue_date=date(2026, 1, 1)) for _ in range(5)]

    with CaptureQueriesContext(connection) as queries:
        marked = invoices_mark_overdue(today=TODAY, batch_size=2)

    assert marked == 5
    updates = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith('UPDATE "billing_invoice"')]
    assert len(updates) == 3  # batches of 2, 2 and 1
    assert set(Invoice.objects.filter(pk__in=[i.pk for i in invoices])
               .values_list("status", flat=True)) == {S.OVERDUE}
    assert len(overdue_events()) == 5

