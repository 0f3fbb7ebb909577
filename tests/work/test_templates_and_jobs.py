"""Workflow templates (the starter library, statutory dates) and jobs moving through
stages: the required-stage rule, its audited override, task completion."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.audit.models import AuditEvent
from apps.work.models import DueRule, Job, JobTask, TimelineEvent, WorkflowTemplate
from apps.work.periods import due_date_for, extended_due_date, period_label
from apps.work.services import job_move, job_task_complete
from tests.work.factories import library_template, make_job, make_template

pytestmark = pytest.mark.django_db


def test_every_new_firm_starts_with_the_starter_library(in_firm_a):
    keys = set(WorkflowTemplate.objects.values_list("library_key", flat=True))

    assert {"individual_1040", "s_corp_1120s", "partnership_1065", "monthly_close",
            "payroll_run", "quarterly_cfo_review", "client_onboarding",
            "quarterly_estimates"} <= keys
    form_1040 = WorkflowTemplate.objects.get(library_key="individual_1040")
    assert [s.name for s in form_1040.stages.all()] == [
        "Waiting for documents", "Preparation", "Review", "Client signature", "Filing",
        "Complete"]
    assert form_1040.stages.get(name="Review").tasks.get().required_role == "manager"


@pytest.mark.parametrize(("rule", "period", "expected"), [
    # Tax year 2025: a 1040 is due Wed Apr 15, 2026.
    (DueRule.INDIVIDUAL_RETURN, date(2025, 1, 1), date(2026, 4, 15)),
    # Mar 15, 2026 is a Sunday: an 1120-S / 1065 is due Monday Mar 16.
    (DueRule.PASS_THROUGH_RETURN, date(2025, 1, 1), date(2026, 3, 16)),
    (DueRule.QUARTERLY_ESTIMATE, date(2026, 4, 1), date(2026, 6, 15)),
    (DueRule.QUARTERLY_ESTIMATE, date(2026, 10, 1), date(2027, 1, 15)),
])
def test_statutory_due_dates(rule, period, expected):
    assert due_date_for(rule, period) == expected


def test_extension_dates_and_period_names():
    assert extended_due_date(DueRule.INDIVIDUAL_RETURN, date(2025, 1, 1), 6) == \
        date(2026, 10, 15)
    assert extended_due_date(DueRule.PASS_THROUGH_RETURN, date(2025, 1, 1), 6) == \
        date(2026, 9, 15)
    assert extended_due_date(DueRule.MONTH_END, date(2025, 1, 1), 0) is None
    assert due_date_for(DueRule.MONTH_END_PLUS_15, date(2026, 11, 1), "monthly") == \
        date(2026, 12, 15)
    assert period_label("monthly", date(2026, 11, 1)) == "2026-11"
    assert period_label("quarterly", date(2026, 10, 1)) == "2026-Q4"


def test_a_job_copies_every_stages_checklist_due_relative_to_its_due_date(in_firm_a):
    template = library_template("individual_1040")

    job = make_job(template, due=date(2026, 4, 15))

    tasks = list(job.tasks.order_by("due_date", "id"))
    assert len(tasks) == 7
    assert tasks[0].title == "Send organizer and document request"
    assert tasks[0].due_date == date(2026, 4, 15) - timedelta(days=60)
    assert tasks[-1].due_date == date(2026, 4, 15)
    assert job.stage.name == "Waiting for documents"
    assert job.timeline.get().kind == TimelineEvent.Kind.CREATED


def test_a_job_cannot_skip_a_required_stage(in_firm_a):
    job = make_job()
    finish = job.template.stages.get(name="Finish")
    audit_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        job_move(job=job, to_stage=finish, may_override=False)

    assert "cannot skip the required stage “Middle”" in str(refused.value)
    job.refresh_from_db()
    assert job.stage.name == "Start"
    assert AuditEvent.objects.count() == audit_before
    assert not job.timeline.filter(kind=TimelineEvent.Kind.STAGE_MOVED).exists()


def test_an_override_moves_past_the_required_stage_and_is_audited(in_firm_a):
    manager = in_firm_a.user("manager")
    job = make_job()
    finish = job.template.stages.get(name="Finish")

    job_move(job=job, to_stage=finish, may_override=True, actor=manager, reason="filed early")

    job.refresh_from_db()
    assert job.stage == finish and job.status == Job.Status.COMPLETED
    event = AuditEvent.objects.filter(target_type="work.job", target_id=str(job.pk)).get()
    assert event.actor_email == manager.email
    assert event.details["skipped"] == ["Middle"]
    assert job.timeline.filter(kind=TimelineEvent.Kind.STAGE_OVERRIDDEN).count() == 1


def test_optional_stages_may_be_skipped_and_moving_back_is_allowed(in_firm_a):
    job = make_job(make_template(stages=(("Start", True), ("Optional", False),
                                         ("Finish", True))))
    stages = {s.name: s for s in job.template.stages.all()}

    job_move(job=job, to_stage=stages["Finish"])
    job_move(job=job, to_stage=stages["Start"])

    job.refresh_from_db()
    assert job.stage.name == "Start" and job.status == Job.Status.OPEN
    assert AuditEvent.objects.filter(target_type="work.job").count() == 0


def test_completing_a_task_twice_changes_nothing_the_second_time(in_firm_a):
    job = make_job()
    task = job.tasks.first()

    job_task_complete(task=task)
    job_task_complete(task=task)

    assert JobTask.objects.get(pk=task.pk).status == JobTask.Status.DONE
    assert job.timeline.filter(kind=TimelineEvent.Kind.TASK_COMPLETED).count() == 1


def test_a_job_for_another_clients_engagement_is_refused(in_firm_a):
    from tests.portal.factories import make_client, make_engagement

    other = make_engagement(make_client())

    with pytest.raises(ValidationError) as refused:
        make_job(client=make_client(), engagement=other)

    assert "engagement" in refused.value.message_dict
    assert Job.objects.count() == 0
