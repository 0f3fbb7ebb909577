"""Automations: they run after commit, record each run on the timeline, run once per
trigger event, and a failure keeps its reason and can be retried."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.billing.models import Invoice
from apps.documents.models import DocumentRequest
from apps.work.automations import automation_run_execute, automations_fire
from apps.work.models import AutomationRun, Job, TimelineEvent, Trigger
from apps.work.services import job_move, job_task_complete
from tests.work.factories import library_template, make_client, make_engagement, make_job

pytestmark = pytest.mark.django_db
FAR = date(2027, 4, 15)


def test_job_created_sends_the_document_request_once(in_firm_a, celery_eager,
                                                     django_capture_on_commit_callbacks):
    client = make_client(business_name="Rivera household")
    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(library_template("individual_1040"), client=client, due=FAR)

    request = DocumentRequest.objects.get(client=client)
    assert request.title == "Documents for your tax return"
    assert request.items.count() == 4
    run = AutomationRun.objects.get(job=job)
    assert run.status == AutomationRun.Status.SUCCEEDED and run.document_request == request
    assert job.timeline.filter(kind=TimelineEvent.Kind.AUTOMATION,
                               message__contains="asked Rivera household for 4").exists()

    # The same trigger delivered again: nothing new.
    automations_fire(job_id=job.pk, trigger=Trigger.JOB_CREATED, event_key=run.event_key,
                     stage_id=job.stage_id)
    assert DocumentRequest.objects.filter(client=client).count() == 1
    assert AutomationRun.objects.filter(job=job).count() == 1


def test_completing_every_task_of_the_stage_moves_the_job_on(
        in_firm_a, celery_eager, django_capture_on_commit_callbacks):
    job = make_job(library_template("monthly_close"), due=FAR)
    first_stage = job.stage

    with django_capture_on_commit_callbacks(execute=True):
        job_task_complete(task=job.tasks.get(stage=first_stage))

    job.refresh_from_db()
    assert job.stage.name == "Reconcile"
    assert job.timeline.filter(kind=TimelineEvent.Kind.STAGE_MOVED).count() == 1


def test_one_open_task_keeps_the_job_in_its_stage(in_firm_a, celery_eager,
                                                  django_capture_on_commit_callbacks):
    job = make_job(library_template("monthly_close"), due=FAR)
    job_move(job=job, to_stage=job.template.stages.get(name="Reconcile"))
    job.refresh_from_db()
    first, _second = job.tasks.filter(stage=job.stage).order_by("position")

    with django_capture_on_commit_callbacks(execute=True):
        job_task_complete(task=first)

    job.refresh_from_db()
    assert job.stage.name == "Reconcile"
    assert AutomationRun.objects.filter(job=job, status=AutomationRun.Status.SKIPPED).exists()


def test_a_failed_draft_invoice_shows_its_reason_and_succeeds_on_retry(
        in_firm_a, celery_eager, django_capture_on_commit_callbacks):
    client = make_client()
    job = make_job(library_template("s_corp_1120s"), client=client, due=FAR)
    filing = job.template.stages.get(name="Filing")

    with django_capture_on_commit_callbacks(execute=True):
        job_move(job=job, to_stage=filing, may_override=True)

    run = AutomationRun.objects.get(job=job, automation__action="draft_invoice")
    assert run.status == AutomationRun.Status.FAILED
    assert "no engagement" in run.outcome
    assert job.timeline.filter(message__contains="failed: The job has no engagement").exists()
    assert Invoice.objects.filter(client=client).count() == 0

    Job.objects.filter(pk=job.pk).update(
        engagement=make_engagement(client, fee=Decimal("2400.00")))
    automation_run_execute(run_id=run.pk)
    automation_run_execute(run_id=run.pk)  # a second retry changes nothing

    run.refresh_from_db()
    assert run.status == AutomationRun.Status.SUCCEEDED and run.attempts == 2
    invoice = Invoice.objects.get(client=client)
    assert invoice.total == Decimal("2400.00") and invoice.status == "draft"


def test_the_clients_upload_of_the_requested_documents_advances_the_job(
        in_firm_a, celery_eager, django_capture_on_commit_callbacks):
    client = make_client()
    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(library_template("individual_1040"), client=client, due=FAR)
    request = DocumentRequest.objects.get(client=client)
    items = list(request.items.all())

    with django_capture_on_commit_callbacks(execute=True):
        for item in items[:-1]:
            item.fulfilled_at = timezone.now()
            item.save(update_fields=["fulfilled_at"])
    job.refresh_from_db()
    assert job.stage.name == "Waiting for documents"

    with django_capture_on_commit_callbacks(execute=True):
        items[-1].fulfilled_at = timezone.now()
        items[-1].save(update_fields=["fulfilled_at"])

    job.refresh_from_db()
    assert job.stage.name == "Preparation"
    assert AutomationRun.objects.filter(job=job, event_key=f"documents_received:{request.pk}",
                                        status=AutomationRun.Status.SUCCEEDED).count() == 1


def test_a_batch_of_events_keeps_only_those_an_automation_answers(in_firm_a):
    from apps.work.automations import events_with_automations

    close = make_job(library_template("monthly_close"), due=FAR)
    tax = make_job(library_template("individual_1040"), due=FAR)
    events = [{"job_id": job.pk, "trigger": Trigger.JOB_CREATED, "event_key": f"k{job.pk}",
               "stage_id": job.stage_id} for job in (close, tax)]

    assert events_with_automations(events) == [events[1]]


def test_a_run_and_a_move_lock_only_their_own_rows(in_firm_a, celery_eager,
                                                   django_capture_on_commit_callbacks):
    """The rule row is shared by every job of a template and a stage row by every job in
    it: locking them made concurrent runs and moves deadlock (seen in `make run`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job = make_job(library_template("s_corp_1120s"), client=make_client(), due=FAR)
    filing = job.template.stages.get(name="Filing")
    with CaptureQueriesContext(connection) as moved, \
            django_capture_on_commit_callbacks(execute=True):
        job_move(job=job, to_stage=filing, may_override=True)
    run = AutomationRun.objects.filter(job=job).first()
    with CaptureQueriesContext(connection) as ran:
        automation_run_execute(run_id=run.pk)

    locks = [q["sql"] for q in moved.captured_queries + ran.captured_queries
             if "FOR UPDATE" in q["sql"] and ("work_job" in q["sql"].split("FROM")[1]
                                              .split("WHERE")[0]
                                              or "work_automationrun" in q["sql"])]
    assert locks
    for sql in locks:
        assert " FOR UPDATE OF " in sql, sql
        locked = sql.split(" FOR UPDATE OF ")[1]
        assert "work_workflowstage" not in locked and "work_templateautomation" not in locked
