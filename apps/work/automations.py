"""Automations: a template's rules that answer a job's triggers.

A trigger event (job created, stage entered, task completed, documents received) has a key
derived from the timeline event that caused it. `automations_fire` makes one
`AutomationRun` per matching automation under the unique (job, automation, event key), so
a trigger delivered twice finds its runs already there. `automation_run_execute` locks the
run, performs the action and records the outcome in the same transaction: an action and
its "done" mark commit together or not at all. A failed run keeps its reason, is shown on
the job, and can be retried; a succeeded run is never performed again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from advisoros.tasks import delay_on_commit
from apps.work import client_notices
from apps.work.models import (
    Action,
    AutomationRun,
    Job,
    JobTask,
    TemplateAutomation,
    TimelineEvent,
    Trigger,
)
from apps.work.services import job_move, job_next_stage, timeline_add

logger = logging.getLogger(__name__)


class NothingToDo(Exception):
    """The action had nothing to do this time (recorded as skipped, not failed)."""


def automations_fire(*, job_id: int, trigger: str, event_key: str,
                     stage_id: int | None = None) -> list[int]:
    """Create the runs of every automation of the job's template that answers this
    trigger (once per event), then execute the ones not done yet; returns run ids."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return []
    automations = TemplateAutomation.objects.filter(template_id=job.template_id,
                                                    trigger=trigger)
    run_ids = []
    for automation in automations:
        if automation.stage_id is not None and automation.stage_id != stage_id:
            continue
        run, _created = AutomationRun.objects.get_or_create(
            job=job, automation=automation, event_key=event_key[:80])
        run_ids.append(run.pk)
    for run_id in run_ids:
        automation_run_execute(run_id=run_id)
    return run_ids


def events_with_automations(events: list[dict]) -> list[dict]:
    """The events some automation answers, found with two queries for the whole batch
    (most recurring jobs' "created" events have none)."""
    template_of = dict(Job.objects.filter(pk__in={e["job_id"] for e in events})
                       .values_list("id", "template_id"))
    rules = set(TemplateAutomation.objects.filter(
        template_id__in=set(template_of.values()),
        trigger__in={e["trigger"] for e in events}).values_list("template_id", "trigger",
                                                               "stage_id"))
    return [event for event in events
            if any((template_of.get(event["job_id"]), event["trigger"], stage) in rules
                   for stage in (None, event.get("stage_id")))]


def automation_run_execute(*, run_id: int) -> AutomationRun:
    """Perform one run if it is not done yet; safe to call any number of times."""
    with transaction.atomic():
        # Only the run's row: the automation rule is shared by every job of the template,
        # and locking it (and the job) too deadlocked concurrent runs of one rule.
        run = (AutomationRun.objects.select_for_update(of=("self",))
               .select_related("automation", "job").get(pk=run_id))
        if run.status in (AutomationRun.Status.SUCCEEDED, AutomationRun.Status.SKIPPED):
            return run
        run.attempts += 1
        label = run.automation.get_action_display()
        try:
            with transaction.atomic():  # a savepoint: a failed action leaves no trace
                outcome = _perform(run)
        except NothingToDo as reason:
            run.status, run.outcome = AutomationRun.Status.SKIPPED, str(reason)
        except ValidationError as exc:
            run.status, run.outcome = AutomationRun.Status.FAILED, "; ".join(exc.messages)
        except Exception as exc:
            logger.exception("automation run %s failed", run.pk)
            run.status = AutomationRun.Status.FAILED
            run.outcome = f"Unexpected error ({type(exc).__name__}); retry or contact support."
        else:
            run.status, run.outcome = AutomationRun.Status.SUCCEEDED, outcome
        run.outcome = run.outcome[:300]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "outcome", "attempts", "finished_at"])
        if run.status != AutomationRun.Status.SKIPPED:
            verb = "failed" if run.status == AutomationRun.Status.FAILED else "done"
            timeline_add(job=run.job, kind=TimelineEvent.Kind.AUTOMATION,
                         message=f"Automation “{label}” {verb}: {run.outcome}",
                         details={"run_id": run.pk, "status": run.status})
    return run


def automation_run_retry(*, run: AutomationRun) -> None:
    """Queue a failed run again (after commit); a run that succeeded stays as it is."""
    from apps.work.tasks import automation_run_execute_task

    if run.status == AutomationRun.Status.FAILED:
        delay_on_commit(automation_run_execute_task, run_id=run.pk)


def _perform(run: AutomationRun) -> str:
    job = (Job.objects.select_for_update(of=("self",))
           .select_related("stage", "client", "engagement").get(pk=run.job_id))
    action = run.automation.action
    config = run.automation.config or {}
    if action == Action.CREATE_TASKS:
        return _create_tasks(job, run.automation, config)
    if action == Action.REQUEST_DOCUMENTS:
        return _request_documents(job, run, config)
    if action == Action.DRAFT_INVOICE:
        return _draft_invoice(job)
    if action == Action.ADVANCE_WHEN_DONE:
        if job.tasks.filter(stage_id=job.stage_id, status=JobTask.Status.OPEN).exists():
            raise NothingToDo(f"tasks of {job.stage.name} still open")
        if not job.tasks.filter(stage_id=job.stage_id).exists():
            raise NothingToDo(f"{job.stage.name} has no tasks")
        return _advance(job)
    if action == Action.ADVANCE:
        return _advance(job)
    if action == Action.SEND_MESSAGE:
        return client_notices.send_portal_message(job, run.automation, config)
    if action == Action.SEND_EMAIL:
        return client_notices.send_email(job, run.automation, config)
    raise ValidationError(f"Unknown action {action!r}.")


def _advance(job: Job) -> str:
    next_stage = job_next_stage(job)
    if next_stage is None or job.status != Job.Status.OPEN:
        raise NothingToDo("the job is at its last stage")
    job_move(job=job, to_stage=next_stage)
    return f"moved to {next_stage.name}"


def _create_tasks(job: Job, automation: TemplateAutomation, config: dict) -> str:
    from apps.portal.selectors import current_firm
    from apps.work.services import job_tasks_route

    specs = config.get("tasks") or []
    if not specs:
        raise ValidationError("This automation lists no tasks to create.")
    stage_id = automation.stage_id or job.stage_id
    tasks = [JobTask(job=job, stage_id=stage_id, position=100 + index,
                     title=str(spec.get("title", "Task"))[:200],
                     required_role=spec.get("required_role", ""),
                     required_skill=spec.get("required_skill", ""),
                     estimated_hours=Decimal(str(spec.get("estimated_hours", "1"))),
                     due_date=job.due_date + timedelta(days=int(spec.get("due_offset_days", 0))))
             for index, spec in enumerate(specs, start=1)]
    job_tasks_route(tasks, firm_id=current_firm().pk)
    JobTask.objects.bulk_create(tasks)
    return f"{len(tasks)} task{'s' if len(tasks) != 1 else ''} added"


def _request_documents(job: Job, run: AutomationRun, config: dict) -> str:
    from apps.documents.requests import RequestLine, document_request_create

    items = [str(item) for item in config.get("items") or []]
    if not items:
        raise ValidationError("This automation lists no documents to ask for.")
    # Ask early enough to do the work, but never with a due date in the past.
    today = timezone.localdate()
    due = max(job.due_date - timedelta(days=30), today + timedelta(days=7))
    request = document_request_create(
        client=job.client, title=str(config.get("title") or f"Documents for {job.name}"),
        message=str(config.get("message") or ""), created_by_id=None,
        lines=[RequestLine(label=item, due_date=due) for item in items])
    run.document_request_id = request.pk
    run.save(update_fields=["document_request"])
    return f"asked {job.client.business_name} for {len(items)} documents, due {due:%b} {due.day}"


def _draft_invoice(job: Job) -> str:
    from apps.billing.services import invoice_create

    engagement = job.engagement
    if engagement is None:
        raise ValidationError("The job has no engagement, so there is no fee to bill. "
                              "Link an engagement and retry.")
    if not engagement.fee or engagement.fee <= 0:
        raise ValidationError(f"The engagement “{engagement}” has no fee. Set its fee and "
                              "retry.")
    invoice = invoice_create(client=job.client, engagement=engagement, lines=[
        {"description": job.name[:200], "quantity": "1", "unit_price": str(engagement.fee)}])
    return f"draft invoice {invoice.number} for ${engagement.fee:,.2f}"


def documents_received(*, document_request_id: int) -> int:
    """A document request was fulfilled: fire the trigger on the job that asked for it
    (when every item has arrived). Returns how many jobs were told."""
    from apps.documents.models import DocumentRequestItem

    if DocumentRequestItem.objects.filter(request_id=document_request_id,
                                          fulfilled_at__isnull=True).exists():
        return 0
    runs = AutomationRun.objects.filter(document_request_id=document_request_id) \
        .values_list("job_id", flat=True).distinct()
    told = 0
    for job_id in runs:
        job = Job.objects.filter(pk=job_id).values("stage_id").first()
        if job is None:
            continue
        automations_fire(job_id=job_id, trigger=Trigger.DOCUMENTS_RECEIVED,
                         event_key=f"documents_received:{document_request_id}",
                         stage_id=job["stage_id"])
        told += 1
    return told
