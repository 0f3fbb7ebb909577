"""Recurring work: an engagement's schedule makes one job per period, exactly once.

Exactly once rests on the database, not on beat behaving: `Job` is unique on (schedule,
period), each schedule is generated in its own transaction under a row lock taken with
SKIP LOCKED (a second, concurrent run leaves it to the first), and `next_period` only
moves in the transaction that created the period's job. Beat firing twice makes the
second run find nothing due; a worker killed mid-run loses only its open transaction,
and the next run catches up every period since `next_period`, however many were missed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from advisoros.tasks import delay_on_commit
from apps.portal.models import Engagement
from apps.work.models import Frequency, Job, RecurringSchedule, WorkflowTemplate
from apps.work.periods import (
    due_date_for,
    period_label,
    period_next,
    period_start_for,
)


@transaction.atomic
def recurring_schedule_create(*, engagement: Engagement, template: WorkflowTemplate,
                              frequency: str, name: str = "", first_period: date | None = None,
                              assignee_id: int | None = None,
                              proposal_line_id: int | None = None) -> RecurringSchedule:
    errors: dict[str, list[str]] = {}
    if frequency not in Frequency.values:
        errors["frequency"] = ["Pick monthly, quarterly or yearly."]
    if template.archived:
        errors["template"] = ["This template is archived."]
    name = (name or "").strip() or template.name
    if "\x00" in name or len(name) > 120:
        errors["name"] = ["Use a plain name under 120 characters."]
    if errors:
        raise ValidationError(errors)
    start = period_start_for(frequency, first_period or timezone.localdate())
    return RecurringSchedule.objects.create(
        engagement=engagement, template=template, frequency=frequency, name=name,
        first_period=start, next_period=start, assignee_id=assignee_id,
        proposal_line_id=proposal_line_id)


def _due_for(schedule: RecurringSchedule, period_start: date) -> date:
    rule = schedule.template.due_rule
    if rule in ("individual_return", "pass_through_return"):
        # A yearly return for the tax year that just ended.
        return due_date_for(rule, period_start.replace(year=period_start.year - 1))
    return due_date_for(rule, period_start, schedule.frequency)


def schedule_generate(*, schedule_id: int, today: date, firm_id: int | None,
                      candidates=None) -> int:
    """Create the schedule's missing jobs up to today's period; returns how many."""
    from apps.work.services import job_create

    with transaction.atomic():
        schedule = (RecurringSchedule.objects.select_for_update(skip_locked=True)
                    .select_related("engagement__client", "template")
                    .filter(pk=schedule_id, active=True).first())
        if schedule is None:  # another run holds it, or it was stopped
            return 0
        current = period_start_for(schedule.frequency, today)
        made = 0
        period = schedule.next_period
        while period <= current:
            label = period_label(schedule.frequency, period)
            try:
                with transaction.atomic():
                    job_create(template=schedule.template, client=schedule.engagement.client,
                               engagement=schedule.engagement, due_date=_due_for(schedule,
                                                                                 period),
                               name=f"{schedule.name} {label}",
                               assignee_id=schedule.assignee_id, firm_id=firm_id,
                               schedule=schedule, period=label, candidates=candidates)
                made += 1
            except IntegrityError:
                pass  # the period's job exists already (made by an earlier, cut-off run)
            period = period_next(schedule.frequency, period)
        if period != schedule.next_period:
            schedule.next_period = period
            schedule.save(update_fields=["next_period"])
        return made


CHUNK = 250


def _chunk_generate(*, schedule_ids: list[int], today: date, firm_id: int,
                    candidates) -> int:
    """Every missing period of a chunk of schedules in one transaction, with bulk
    inserts: the jobs, their tasks (routed in memory, apps.work.routing.route_many),
    their "created" timeline events, the schedules' next periods, and one queued message
    for the chunk's automations. Schedules another run holds are skipped (SKIP LOCKED);
    the unique (schedule, period) still guards every insert."""
    from apps.work.models import JobTask, TemplateStage, TimelineEvent, Trigger
    from apps.work.routing import route_many
    from apps.work.services import _job_tasks_build

    with transaction.atomic():
        schedules = list(RecurringSchedule.objects.select_for_update(skip_locked=True,
                                                                     of=("self",))
                         .select_related("engagement__client", "template")
                         .filter(pk__in=schedule_ids, active=True))
        plans, moved = [], []
        for schedule in schedules:
            current = period_start_for(schedule.frequency, today)
            period = schedule.next_period
            while period <= current:
                plans.append((schedule, period, period_label(schedule.frequency, period)))
                period = period_next(schedule.frequency, period)
            if period != schedule.next_period:
                schedule.next_period = period
                moved.append(schedule)
        existing = set(Job.objects.filter(schedule_id__in=[s.pk for s in schedules])
                       .values_list("schedule_id", "period"))
        plans = [plan for plan in plans if (plan[0].pk, plan[2]) not in existing]
        stages_of: dict[int, list[TemplateStage]] = {}
        for schedule, _, _ in plans:
            if schedule.template_id not in stages_of:
                stages_of[schedule.template_id] = list(
                    schedule.template.stages.prefetch_related("tasks").order_by("position"))
        now = timezone.now()
        jobs = Job.objects.bulk_create([
            Job(template_id=schedule.template_id, client=schedule.engagement.client,
                engagement=schedule.engagement, name=f"{schedule.name} {label}"[:200],
                due_date=_due_for(schedule, period), stage=stages_of[schedule.template_id][0],
                stage_entered_at=now, assignee_id=schedule.assignee_id, schedule=schedule,
                period=label)
            for schedule, period, label in plans])
        tasks = [task for job in jobs
                 for task in _job_tasks_build(job, stages_of[job.template_id])]
        route_many(tasks=tasks, candidates=candidates)
        JobTask.objects.bulk_create(tasks, batch_size=2000)
        events = TimelineEvent.objects.bulk_create([
            TimelineEvent(job=job, kind=TimelineEvent.Kind.CREATED,
                          message=f"Created by the recurring schedule, due "
                                  f"{job.due_date:%b} {job.due_date.day}, {job.due_date.year}")
            for job in jobs])
        RecurringSchedule.objects.bulk_update(moved, ["next_period"])
        fired = [{"job_id": event.job_id, "trigger": Trigger.JOB_CREATED,
                  "event_key": f"job_created:{event.pk}", "stage_id": job.stage_id}
                 for event, job in zip(events, jobs, strict=True)]
        if fired:
            from apps.work.tasks import automations_fire_many

            delay_on_commit(automations_fire_many, events=fired)
        return len(jobs)


def recurring_jobs_generate(*, today: date | None = None,
                            progress: Callable[[int, int], None] | None = None) -> int:
    """Every active schedule with a period due, a chunk of schedules per transaction."""
    from apps.portal.selectors import current_firm
    from apps.work.routing import routing_candidates

    today = today or timezone.localdate()
    due_ids = list(RecurringSchedule.objects.filter(
        active=True, next_period__lte=today,
        engagement__status=Engagement.Status.ACTIVE).order_by("id")
        .values_list("id", flat=True))
    if not due_ids:
        return 0
    firm_id = current_firm().pk
    candidates = routing_candidates(firm_id)  # once per run, not once per job
    made = 0
    for start in range(0, len(due_ids), CHUNK):
        chunk = due_ids[start:start + CHUNK]
        try:
            made += _chunk_generate(schedule_ids=chunk, today=today, firm_id=firm_id,
                                    candidates=candidates)
        except IntegrityError:
            # A period's job appeared under us (a run outside the locks): fall back to one
            # schedule at a time, where the unique constraint skips just that period.
            for schedule_id in chunk:
                made += schedule_generate(schedule_id=schedule_id, today=today,
                                          firm_id=firm_id, candidates=candidates)
        if progress is not None:
            progress(min(start + CHUNK, len(due_ids)), len(due_ids))
    return made


def recurring_jobs_count(schedule: RecurringSchedule) -> int:
    return Job.objects.filter(schedule=schedule).count()
