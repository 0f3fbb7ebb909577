"""Writes on jobs: creation from a template, stage moves (with the required-stage rule and
its audited override), task completion and assignment, and the timeline they leave.

Automations answer triggers after commit (apps/work/automations.py): every service here
that fires a trigger does it through `transaction.on_commit`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from advisoros.tasks import delay_on_commit
from apps.people.events import announce
from apps.portal.models import Client, Engagement
from apps.work.models import (
    Job,
    JobTask,
    Priority,
    TemplateStage,
    TimelineEvent,
    Trigger,
    WorkflowTemplate,
)
from apps.work.periods import due_date_for, period_start_for
from apps.work.workload import task_workload_add, task_workload_remove


def timeline_add(*, job: Job, kind: str, message: str, actor_id: int | None = None,
                 details: dict[str, Any] | None = None) -> TimelineEvent:
    return TimelineEvent.objects.create(job=job, kind=kind, message=message[:300],
                                        actor_id=actor_id, details=details or {})


def trigger_after_commit(*, job_id: int, trigger: str, event_key: str,
                         stage_id: int | None = None) -> None:
    """Queue the job's automations for this trigger once the transaction commits."""
    from apps.work.tasks import automations_fire

    delay_on_commit(automations_fire, job_id=job_id, trigger=trigger, event_key=event_key,
                    stage_id=stage_id)


def _job_tasks_build(job: Job, stages: list[TemplateStage]) -> list[JobTask]:
    tasks = []
    for stage in stages:
        for template_task in stage.tasks.all():
            tasks.append(JobTask(
                job=job, stage=stage, position=template_task.position,
                title=template_task.title, required_role=template_task.required_role,
                required_skill=template_task.required_skill,
                estimated_hours=template_task.estimated_hours,
                due_date=job.due_date + timedelta(days=template_task.due_offset_days)))
    return tasks


def job_tasks_route(tasks: list[JobTask], *, firm_id: int | None, candidates=None) -> None:
    """Give each unassigned open task the qualified person with the most room."""
    from apps.work.routing import routing_candidates, task_route

    if firm_id is None or not tasks:
        for task in tasks:
            task_workload_add(task)
        return
    if candidates is None:
        candidates = routing_candidates(firm_id)
    for task in tasks:
        if task.assignee_id is None and task.status == JobTask.Status.OPEN:
            task_route(task=task, candidates=candidates)


@transaction.atomic
def job_create(*, template: WorkflowTemplate, client: Client, due_date: date | None = None,
               engagement: Engagement | None = None, name: str = "",
               priority: int = Priority.NORMAL, assignee_id: int | None = None,
               created_by_id: int | None = None, firm_id: int | None = None,
               schedule=None, period: str = "", route: bool = True,
               candidates=None, start_key: str = "") -> Job:
    """A job from a template: every stage's checklist becomes its tasks, due relative to
    the job's due date, routed to qualified staff when `firm_id` is given."""
    errors: dict[str, list[str]] = {}
    if template.archived:
        errors["template"] = ["This template is archived; copy or restore it first."]
    stages = list(template.stages.prefetch_related("tasks"))
    if not stages:
        errors["template"] = ["This template has no stages yet."]
    if client.deleted_at is not None:
        errors["client"] = ["This client is archived."]
    if engagement is not None and engagement.client_id != client.pk:
        errors["engagement"] = ["That engagement belongs to another client."]
    if priority not in Priority.values:
        errors["priority"] = ["Pick a priority."]
    name = (name or "").strip() or f"{template.name} — {client.business_name}"
    if "\x00" in name or len(name) > 200:
        errors["name"] = ["Use a plain name under 200 characters."]
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    if due_date is None and template.due_rule in ("start_plus_14", "none"):
        # Work that starts now: two weeks for onboarding, a month when no rule is set.
        due_date = today + timedelta(days=14 if template.due_rule == "start_plus_14" else 30)
    if due_date is None:
        frequency = template.default_frequency or "yearly"
        # Returns are filed for last year's tax year; other work for the current period.
        period_day = today.replace(year=today.year - 1) if template.due_rule in (
            "individual_return", "pass_through_return") else today
        due_date = due_date_for(template.due_rule, period_start_for(frequency, period_day),
                                frequency)
    job = Job.objects.create(
        template=template, client=client, engagement=engagement, name=name,
        due_date=due_date, stage=stages[0], stage_entered_at=timezone.now(),
        priority=priority, assignee_id=assignee_id, created_by_id=created_by_id,
        schedule=schedule, period=period, start_key=start_key)
    tasks = _job_tasks_build(job, stages)
    if route:
        job_tasks_route(tasks, firm_id=firm_id, candidates=candidates)
    else:
        for task in tasks:
            task_workload_add(task)
    JobTask.objects.bulk_create(tasks)
    event = timeline_add(
        job=job, kind=TimelineEvent.Kind.CREATED, actor_id=created_by_id,
        message=f"Created from “{template.name}”, due {due_date:%b} {due_date.day}, "
                f"{due_date.year}")
    trigger_after_commit(job_id=job.pk, trigger=Trigger.JOB_CREATED,
                         event_key=f"job_created:{event.pk}", stage_id=stages[0].pk)
    if assignee_id:  # the lead hears, after commit (not when they made the job themselves)
        announce("job_assigned", job.pk, user_id=assignee_id, actor_id=created_by_id)
    return job


def _locked_job(job: Job) -> Job:
    # Only the job's row: the stage row is shared by every job in it, and locking it too
    # made concurrent moves of different jobs wait on (and deadlock over) each other.
    return Job.objects.select_for_update(of=("self",)).select_related("stage").get(pk=job.pk)


@transaction.atomic
def job_move(*, job: Job, to_stage: TemplateStage, actor=None, may_override: bool = False,
             request=None, reason: str = "") -> Job:
    """Move a job to another stage of its template. Moving forward past a required stage
    is refused unless `may_override` (the actor's role may override stages); an override
    is written to the firm's audit trail and the job's timeline."""
    job = _locked_job(job)
    if to_stage.template_id != job.template_id:
        raise ValidationError({"stage": ["That stage belongs to another workflow."]})
    if to_stage.pk == job.stage_id:
        return job
    from_stage = job.stage
    skipped = list(TemplateStage.objects.filter(
        template_id=job.template_id, required=True, position__gt=from_stage.position,
        position__lt=to_stage.position).values_list("name", flat=True))
    actor_id = getattr(actor, "pk", None)
    if skipped and not may_override:
        names = ", ".join(f"“{name}”" for name in skipped)
        raise ValidationError({"stage": [
            f"{job.name} cannot skip the required stage{'s' if len(skipped) > 1 else ''} "
            f"{names}. Move it one stage at a time, or ask a manager to override."]})
    job.stage = to_stage
    job.stage_entered_at = timezone.now()
    is_last = not TemplateStage.objects.filter(template_id=job.template_id,
                                               position__gt=to_stage.position).exists()
    job.status = Job.Status.COMPLETED if is_last else Job.Status.OPEN
    job.completed_at = job.stage_entered_at if is_last else None
    job.save(update_fields=["stage", "stage_entered_at", "status", "completed_at"])
    details = {"from": from_stage.name, "to": to_stage.name}
    if skipped:
        from apps.audit.models import AuditAction
        from apps.audit.services import audit_record

        details["skipped"] = skipped
        audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                     target=job, details={"change": "work.stage_override", **details,
                                          "reason": reason[:200]})
        event = timeline_add(job=job, kind=TimelineEvent.Kind.STAGE_OVERRIDDEN,
                             actor_id=actor_id, details=details,
                             message=f"Moved from {from_stage.name} to {to_stage.name}, "
                                     f"past {', '.join(skipped)} (override)")
    else:
        event = timeline_add(job=job, kind=TimelineEvent.Kind.STAGE_MOVED, actor_id=actor_id,
                             details=details,
                             message=f"Moved from {from_stage.name} to {to_stage.name}")
    if is_last:
        timeline_add(job=job, kind=TimelineEvent.Kind.COMPLETED, actor_id=actor_id,
                     message="Job complete")
    trigger_after_commit(job_id=job.pk, trigger=Trigger.STAGE_ENTERED,
                         event_key=f"stage_entered:{event.pk}", stage_id=to_stage.pk)
    return job


def job_next_stage(job: Job) -> TemplateStage | None:
    return (TemplateStage.objects.filter(template_id=job.template_id,
                                         position__gt=job.stage.position)
            .order_by("position").first())


@transaction.atomic
def job_update(*, job: Job, priority: int | None = None, assignee_id: int | None = None,
               blocked_reason: str | None = None, due_date: date | None = None,
               actor=None) -> Job:
    job = _locked_job(job)
    changed = []
    if priority is not None:
        if priority not in Priority.values:
            raise ValidationError({"priority": ["Pick a priority."]})
        job.priority, changed = priority, [*changed, "priority"]
    if assignee_id is not None:
        if assignee_id and assignee_id != job.assignee_id:  # the new lead hears, after commit
            announce("job_assigned", job.pk, user_id=assignee_id,
                     actor_id=getattr(actor, "pk", None))
        job.assignee_id, changed = assignee_id or None, [*changed, "assignee"]
    if blocked_reason is not None:
        blocked_reason = blocked_reason.strip()
        if "\x00" in blocked_reason or len(blocked_reason) > 200:
            raise ValidationError({"blocked_reason": ["Plain text under 200 characters."]})
        job.blocked_reason, changed = blocked_reason, [*changed, "blocked_reason"]
    if due_date is not None:
        job.due_date, changed = due_date, [*changed, "due_date"]
    if changed:
        job.save(update_fields=changed)
    return job


@transaction.atomic
def job_task_complete(*, task: JobTask, actor=None) -> JobTask:
    """Mark a task done; safe to repeat (a second call changes nothing)."""
    task = JobTask.objects.select_for_update().select_related("job").get(pk=task.pk)
    if task.status == JobTask.Status.DONE:
        return task
    task_workload_remove(task)
    task.status = JobTask.Status.DONE
    task.completed_at = timezone.now()
    task.completed_by_id = getattr(actor, "pk", None)
    task.save(update_fields=["status", "completed_at", "completed_by", "workload_week"])
    event = timeline_add(job=task.job, kind=TimelineEvent.Kind.TASK_COMPLETED,
                         actor_id=task.completed_by_id, message=f"Completed “{task.title}”",
                         details={"task_id": task.pk})
    trigger_after_commit(job_id=task.job_id, trigger=Trigger.TASK_COMPLETED,
                         event_key=f"task_completed:{event.pk}", stage_id=task.stage_id)
    return task


@transaction.atomic
def job_task_reopen(*, task: JobTask, actor=None) -> JobTask:
    task = JobTask.objects.select_for_update().get(pk=task.pk)
    if task.status == JobTask.Status.OPEN:
        return task
    task.status, task.completed_at, task.completed_by_id = JobTask.Status.OPEN, None, None
    task_workload_add(task)
    task.save(update_fields=["status", "completed_at", "completed_by", "workload_week"])
    return task


@transaction.atomic
def job_task_assign(*, task: JobTask, assignee_id: int | None, actor=None,
                    reason: str = "") -> JobTask:
    """Give a task to someone by hand (or to nobody); the workload follows."""
    task = JobTask.objects.select_for_update().select_related("job").get(pk=task.pk)
    if task.assignee_id == assignee_id:
        return task
    task_workload_remove(task)
    task.assignee_id = assignee_id
    task.assignment_reason = reason or ("assigned by hand" if assignee_id else "")
    task_workload_add(task)
    task.save(update_fields=["assignee", "assignment_reason", "workload_week"])
    timeline_add(job=task.job, kind=TimelineEvent.Kind.TASK_ASSIGNED,
                 actor_id=getattr(actor, "pk", None), details={"task_id": task.pk},
                 message=f"“{task.title}”: {task.assignment_reason or 'unassigned'}")
    return task


@transaction.atomic
def job_rebalance(*, job: Job, firm_id: int, actor=None) -> int:
    """Route the job's open tasks again with today's workload (each task's own hours are
    taken off its current assignee first, so keeping them is a fair option); returns how
    many changed hands."""
    from apps.work.routing import routing_candidates, task_route

    candidates = routing_candidates(firm_id)
    changed = 0
    tasks = list(JobTask.objects.select_for_update().filter(job=job,
                                                            status=JobTask.Status.OPEN))
    for task in tasks:
        before = task.assignee_id
        task_route(task=task, candidates=candidates)
        task.save(update_fields=["assignee", "assignment_reason", "workload_week"])
        changed += task.assignee_id != before
    timeline_add(job=job, kind=TimelineEvent.Kind.TASK_ASSIGNED,
                 actor_id=getattr(actor, "pk", None),
                 message=f"Rebalanced: {changed} of {len(tasks)} open tasks changed hands")
    return changed


@transaction.atomic
def staff_profile_update(*, user_id: int, firm_id: int, weekly_capacity_hours,
                         skills: list[str], hourly_rate=None):
    """A staff member's capacity, skills and personal rate (staff of this firm only)."""
    from decimal import Decimal, InvalidOperation

    from apps.portal.selectors import firm_staff_user_ids
    from apps.work.models import StaffProfile

    errors: dict[str, list[str]] = {}
    if user_id not in firm_staff_user_ids(firm_id):
        errors["user"] = ["Pick a staff member of this firm."]
    try:
        hours = Decimal(str(weekly_capacity_hours))
        if not Decimal("0") <= hours <= Decimal("80"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["weekly_capacity_hours"] = ["Between 0 and 80 hours a week."]
    clean_skills = sorted({s.strip().lower()[:40] for s in skills if s and s.strip()})
    if any("\x00" in s for s in clean_skills) or len(clean_skills) > 20:
        errors["skills"] = ["Up to 20 plain skill names."]
    rate = None
    if hourly_rate not in (None, ""):
        try:
            rate = Decimal(str(hourly_rate)).quantize(Decimal("0.01"))
            if rate < 0 or rate > Decimal("100000"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["hourly_rate"] = ["A rate of 0 or more."]
    if errors:
        raise ValidationError(errors)
    profile, _ = StaffProfile.objects.update_or_create(
        user_id=user_id, defaults={"weekly_capacity_hours": hours, "skills": clean_skills,
                                   "hourly_rate": rate})
    return profile


def onboarding_start(*, client: Client, firm_id: int | None) -> list[Job]:
    """Start every template marked "start for new clients" for this client, once each
    (a template that already has a job for the client is skipped)."""
    started = []
    for template in WorkflowTemplate.objects.filter(start_for_new_clients=True, archived=False):
        job = job_start_once(template=template, client=client, firm_id=firm_id,
                             start_key=ONCE_PER_CLIENT, once_per_client=True,
                             reason="Started automatically for a new client")
        if job is not None:
            started.append(job)
    return started


ONCE_PER_CLIENT = "once"


def job_start_once(*, template: WorkflowTemplate, client: Client, firm_id: int | None,
                   start_key: str, reason: str, once_per_client: bool = False,
                   engagement: Engagement | None = None) -> Job | None:
    """A job started by an event, exactly once per (template, client, start_key) — a
    redelivered message or two deliveries at once meet the unique constraint — or None
    when it exists already. `once_per_client`: also none when the client has any job from
    this template (one started by hand counts too). `reason` goes on the timeline."""
    existing = Job.objects.filter(client=client, template=template)
    if not once_per_client:
        existing = existing.filter(start_key=start_key)
    if existing.exists():
        return None
    try:
        with transaction.atomic():
            job = job_create(template=template, client=client, firm_id=firm_id,
                             engagement=engagement, start_key=start_key,
                             name=f"{template.name} — {client.business_name}"[:200])
            timeline_add(job=job, kind=TimelineEvent.Kind.CREATED, message=reason)
    except IntegrityError:  # the same start, made by a concurrent delivery
        return None
    return job
