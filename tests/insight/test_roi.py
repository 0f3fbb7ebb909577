"""ROI: counts from the firm's own records x the firm's own minutes, the arithmetic checked
by hand, assumptions editable (and refused when nonsense), nothing shown in money until the
firm says what an hour is worth."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from apps.accounts.roles import Role
from apps.billing.models import Invoice, Payment
from apps.documents.models import Document
from apps.insight import roi
from apps.insight.models import RoiAssumptions
from apps.work.models import AutomationRun, JobTask, TemplateAutomation, TimelineEvent
from tests.portal.factories import make_client, make_document, make_invoice
from tests.work.factories import make_job, make_template

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)
D = Decimal


def _at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


@pytest.fixture
def march(in_firm_a):
    world = in_firm_a
    client = make_client(business_name="Counted Co")
    for status, when in [("processed", _at(2)), ("processed", _at(9)), ("processed", _at(31)),
                         ("processed", _at(28, 2)),  # February
                         ("needs_review", _at(3)), ("approved", _at(4))]:  # a person looked
        document = make_document(client, status=status)
        Document.objects.filter(pk=document.pk).update(processed_at=when)

    template = make_template("Monthly close", tasks_per_stage=4)
    job = make_job(template, client=client)
    automation = TemplateAutomation.objects.create(template=template, trigger="job_created",
                                                   action="create_tasks")
    for key, status, when in [("a", "succeeded", _at(5)), ("b", "failed", _at(6)),
                              ("c", "skipped", _at(7)), ("d", "succeeded", _at(2, 4))]:
        AutomationRun.objects.create(job=job, automation=automation, event_key=key,
                                     status=status, finished_at=when)

    invoice = make_invoice(client, total="900.00", status=Invoice.Status.PAID,
                           issue_date=date(2026, 3, 1), due_date=date(2026, 3, 31))
    for provider, day in [("stripe", date(2026, 3, 3)), ("stripe", date(2026, 3, 31)),
                          ("", date(2026, 3, 10)),  # recorded by hand
                          ("stripe", date(2026, 4, 1))]:
        Payment.objects.create(invoice=invoice, amount=D("100.00"), method="card",
                               provider=provider, received_on=day)

    staff = world.user(Role.STAFF_ACCOUNTANT)
    tasks = list(JobTask.objects.filter(job=job).order_by("pk")[:4])
    reasons = ["assigned to Sam: 30 h free of 40", "assigned to Sam: 28 h free of 40",
               "assigned by hand", ""]
    for task, reason in zip(tasks, reasons, strict=True):
        JobTask.objects.filter(pk=task.pk).update(
            created_at=_at(8), assignment_reason=reason,
            assignee_id=staff.pk if reason else None)
    JobTask.objects.filter(job=job).exclude(pk__in=[t.pk for t in tasks]).update(
        created_at=_at(1, 1))
    rebalance = TimelineEvent.objects.create(job=job, kind="task_assigned",
                                             message="Rebalanced: 1 of 3 open tasks "
                                                     "changed hands")
    TimelineEvent.objects.filter(pk=rebalance.pk).update(at=_at(20))
    TimelineEvent.objects.filter(job=job).exclude(pk=rebalance.pk).update(at=_at(1, 1))
    return world


def test_the_month_adds_up_from_records_and_assumptions(march):
    result = roi.roi_month(MARCH, zone="UTC")

    counts = {line.key: line.count for line in result.lines}
    assert counts == {"documents": 3, "automations": 1, "online_payments": 2, "routing": 2,
                      "rebalances": 1}
    # defaults: 3 x 4 + 1 x 5 + 2 x 6 + 2 x 3 + 1 x 15 = 50 minutes
    assert result.minutes == D("50") and result.hours == D("0.83")
    assert result.value is None  # no hourly value stated: no money shown

    RoiAssumptions.objects.create(pk=1, minutes_per_document=D("10"), hourly_value=D("120"))
    result = roi.roi_month(MARCH, zone="UTC")
    # 3 x 10 + 5 + 12 + 6 + 15 = 68 minutes; 68 / 60 x 120 = 136.00
    assert result.minutes == D("68") and result.value == D("136.00")


def test_the_month_follows_the_firms_time_zone(march):
    def documents(month: date, zone: str) -> int:
        return next(line.count for line in roi.roi_month(month, zone=zone).lines
                    if line.key == "documents")

    # 12:00 UTC on Mar 31 is already April 1 in Auckland (UTC+13), and 12:00 UTC on
    # Feb 28 is March 1 there.
    assert (documents(date(2026, 4, 1), "UTC"), documents(date(2026, 2, 1), "UTC")) == (0, 1)
    assert (documents(date(2026, 4, 1), "Pacific/Auckland"),
            documents(date(2026, 2, 1), "Pacific/Auckland")) == (1, 0)


def test_an_empty_month_saves_nothing(in_firm_a):
    result = roi.roi_month(date(2025, 1, 1), zone="UTC")
    assert result.minutes == 0 and all(line.count == 0 for line in result.lines)


def test_the_page_shows_the_figures_and_saves_assumptions(march, firm_a):
    page = firm_a.client(Role.PARTNER)
    body = page.get("/insight/roi/?month=2026-03").content.decode()
    assert "Documents classified with no review needed" in body
    assert "Set the value of a staff hour" in body

    response = page.post("/insight/roi/?month=2026-03", {
        "minutes_per_document": "10", "minutes_per_automation": "5",
        "minutes_per_online_payment": "6", "minutes_per_routing_decision": "3",
        "minutes_per_rebalance": "15", "hourly_value": "120", "currency": "USD"})
    assert response.status_code == 302
    saved = RoiAssumptions.objects.get(pk=1)
    assert (saved.minutes_per_document, saved.hourly_value) == (D("10.00"), D("120.00"))
    assert saved.updated_by_id == firm_a.user(Role.PARTNER).pk
    body = page.get("/insight/roi/?month=2026-03").content.decode()
    assert "$136.00" in body and "1.13\u00a0h" in body  # 68 minutes


def test_nonsense_assumptions_are_refused_with_a_reason(march, firm_a):
    page = firm_a.client(Role.OWNER)
    response = page.post("/insight/roi/", {
        "minutes_per_document": "-2", "minutes_per_automation": "5000",
        "minutes_per_online_payment": "6", "minutes_per_routing_decision": "3",
        "minutes_per_rebalance": "15", "hourly_value": "-1", "currency": "USD"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Cannot be negative." in body and "At most 480 minutes" in body
    assert not RoiAssumptions.objects.exists()
