"""A staff journey through the pages, as a person would click it (plain form posts, no
JavaScript): create a job from a template, move it across the board, log time, bill it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.billing.models import Invoice
from apps.work.models import Job, RoleRate, TimeEntry, WorkflowTemplate
from tests.work.factories import make_client

pytestmark = pytest.mark.django_db


def test_create_move_log_time_and_bill(firm_a):
    connection.set_tenant(firm_a.firm)
    RoleRate.objects.create(role=Role.MANAGER, hourly_rate=Decimal("150.00"))
    customer = make_client(business_name="Northwind Books")
    template = WorkflowTemplate.objects.get(library_key="monthly_close")
    stages = list(template.stages.order_by("position"))
    manager = firm_a.client(Role.MANAGER)

    created = manager.post("/work/jobs/new/", {"template": template.pk,
                                               "client": customer.pk, "priority": 2,
                                               "due_date": "2027-01-15"})
    job = Job.objects.get(client=customer)
    assert created.status_code == 302
    board = manager.get(f"/work/board/?template={template.pk}").content.decode()
    assert "Northwind Books" in board

    for stage in stages[1:3]:
        moved = manager.post(f"/work/jobs/{job.pk}/move/",
                             {"stage": stage.pk, "next": f"/work/board/?template={template.pk}"})
        assert moved.status_code == 302
    job.refresh_from_db()
    assert job.stage == stages[2]

    logged = manager.post("/work/time/log/", {"job": job.pk, "hours": "1.5",
                                              "description": "Reconciled the bank",
                                              "billable": "on"})
    timer = manager.post("/work/time/log/", {"job": job.pk, "billable": "on"})
    stopped = manager.post("/work/time/stop/")
    assert logged.status_code == timer.status_code == stopped.status_code == 302
    assert TimeEntry.objects.filter(job=job, minutes__isnull=False).count() == 2
    wip = manager.get(f"/work/wip/?client={customer.pk}").content.decode()
    assert "Northwind Books" in wip

    billed = manager.post(f"/work/wip/{customer.pk}/bill/", {"job": job.pk})
    again = manager.post(f"/work/wip/{customer.pk}/bill/", {})

    invoice = Invoice.objects.get(client=customer)
    assert billed.status_code == 302 and billed.headers["Location"] == \
        f"/staff/billing/invoices/{invoice.pk}/"
    assert invoice.total == Decimal("227.50")  # 90 + 1 minutes at $150/h
    assert again.status_code == 302 and Invoice.objects.filter(client=customer).count() == 1
    detail = manager.get(f"/work/jobs/{job.pk}/").content.decode()
    assert "100\u00a0%</strong> realization" in detail
    assert "time entries billed on invoice" in detail


def test_people_without_billing_rights_cannot_bill_nor_see_others_time(firm_a):
    connection.set_tenant(firm_a.firm)
    customer = make_client()
    staff = firm_a.client(Role.STAFF_ACCOUNTANT)

    bill = staff.post(f"/work/wip/{customer.pk}/bill/", {})
    wip = staff.get("/work/wip/")
    others = staff.get(f"/work/time/?user={firm_a.user(Role.MANAGER).pk}")

    # Staff accountants see invoices (and so WIP) but may not create invoices.
    assert bill.status_code == 403 and wip.status_code == 200
    assert not wip.context["can_bill"]
    assert others.status_code == 200
    assert others.context["selected_user"] == firm_a.user(Role.STAFF_ACCOUNTANT).pk
