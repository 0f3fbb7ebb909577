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
                              assignee_id: int | None = None) -> RecurringSchedule:
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
        first_period=start, next_period=start, assignee_id=assignee_id)


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


def recurring_jobs_generate(*, today: date | None = None,
                            progress: Callable[[int, int], None] | None = None) -> int:
    """Every active schedule with a period due; one transaction per schedule."""
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
    for index, schedule_id in enumerate(due_ids, start=1):
        made += schedule_generate(schedule_id=schedule_id, today=today, firm_id=firm_id,
                                  candidates=candidates)
        if progress is not None and index % 500 == 0:
            progress(index, len(due_ids))
    return made


def recurring_jobs_count(schedule: RecurringSchedule) -> int:
    return Job.objects.filter(schedule=schedule).count()
