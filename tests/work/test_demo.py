"""The work demo: every stage of every starter template has jobs, some overdue, blocked
and at risk, recurring closes, time entries and capacity; running it again adds nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from apps.work.capacity import jobs_at_risk
from apps.work.demo import seed_work_demo_firm
from apps.work.models import Job, StaffProfile, TemplateStage, TimeEntry
from tests.portal.factories import make_client, make_engagement

pytestmark = pytest.mark.django_db


def test_the_demo_fills_every_stage_and_runs_once(firm_a):
    connection.set_tenant(firm_a.firm)
    for index in range(8):
        make_engagement(make_client(business_name=f"Demo client {index}"),
                        type="bookkeeping")
    lines: list[str] = []

    assert seed_work_demo_firm(firm_a.firm, lines.append) is True
    connection.set_tenant(firm_a.firm)
    jobs_before = Job.objects.count()
    assert seed_work_demo_firm(firm_a.firm, lines.append) is False

    connection.set_tenant(firm_a.firm)
    assert Job.objects.count() == jobs_before
    library_stages = TemplateStage.objects.exclude(template__library_key="")
    empty = [f"{s.template.name}: {s.name}" for s in library_stages
             if not Job.objects.filter(stage=s).exists()]
    assert empty == []
    assert Job.objects.filter(status="open", due_date__lt=timezone.localdate()).exists()
    assert Job.objects.exclude(blocked_reason="").exists()
    assert Job.objects.filter(name__startswith="Monthly close ", period__regex=r"^\d{4}-\d\d$"
                              ).count() >= 4
    assert TimeEntry.objects.filter(billable=True).exists()
    assert StaffProfile.objects.filter(skills__contains=["tax"]).exists()
    assert jobs_at_risk(firm_a.firm.pk) != []
    assert "jobs across every stage" in lines[0]
