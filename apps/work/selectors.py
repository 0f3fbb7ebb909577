"""Reads for the work pages and API: a pipeline's board, the job list, "My work", a job's
detail. Each is a fixed number of queries, whatever the number of jobs (asserted in
tests/work/test_pages.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.work.models import (
    AutomationRun,
    Job,
    JobTask,
    TemplateStage,
    TimelineEvent,
    WorkflowTemplate,
)

CARDS_PER_COLUMN = 25
JOBS_PER_PAGE = 50
MY_WORK_ROWS = 200

_CARD_FIELDS = ("id", "name", "due_date", "priority", "blocked_reason", "stage_id",
                "client_id", "client__business_name", "assignee_id", "assignee__full_name",
                "assignee__email", "status")


@dataclass
class BoardColumn:
    stage: TemplateStage
    count: int
    cards: list[dict] = field(default_factory=list)
    next_stage: TemplateStage | None = None  # where a card's one-click move goes

    @property
    def over_limit(self) -> bool:
        return self.stage.wip_limit is not None and self.count > self.stage.wip_limit


def templates_active() -> QuerySet[WorkflowTemplate]:
    return WorkflowTemplate.objects.filter(archived=False).order_by("name", "id")


def template_get(template_id: int) -> WorkflowTemplate:
    return get_object_or_404(WorkflowTemplate, pk=template_id)


_BOARD_SQL = """
SELECT j.id, j.name, j.due_date, j.priority, j.blocked_reason, j.stage_id, j.client_id,
       c.business_name, j.assignee_id, u.full_name, u.email, j.status
FROM work_templatestage s
CROSS JOIN LATERAL (
    SELECT * FROM work_job j
    WHERE j.stage_id = s.id AND j.status <> 'cancelled' {assignee}
    ORDER BY j.due_date, j.id LIMIT %s
) j
JOIN portal_client c ON c.id = j.client_id
LEFT JOIN accounts_user u ON u.id = j.assignee_id
WHERE s.template_id = %s
ORDER BY s.position, j.due_date, j.id
"""


def _board_cards(template_id: int, assignee_id: int | None, per_column: int) -> list[dict]:
    params: list = []
    assignee = ""
    if assignee_id:
        assignee, params = "AND j.assignee_id = %s", [assignee_id]
    with connection.cursor() as cursor:
        cursor.execute(_BOARD_SQL.format(assignee=assignee),
                       [*params, per_column, template_id])
        return [dict(zip(_CARD_FIELDS, row, strict=True)) for row in cursor.fetchall()]


def _card(row: dict, today: date) -> dict:
    row["overdue"] = row["status"] == Job.Status.OPEN and row["due_date"] < today
    row["assignee_name"] = row["assignee__full_name"] or row["assignee__email"] or ""
    return row


def board_get(template: WorkflowTemplate, *, assignee_id: int | None = None,
              per_column: int = CARDS_PER_COLUMN) -> list[BoardColumn]:
    """Columns by stage with their job counts and the first cards (soonest due first), in
    three queries: stages, counts, and one LATERAL query that reads each column's first
    page off the (stage, due date, id) index instead of ranking every job."""
    stages = list(template.stages.order_by("position"))
    jobs = Job.objects.filter(template=template).exclude(status=Job.Status.CANCELLED)
    if assignee_id:
        jobs = jobs.filter(assignee_id=assignee_id)
    counts = dict(jobs.values("stage_id").annotate(n=Count("id")).values_list("stage_id", "n"))
    ranked = _board_cards(template.pk, assignee_id, per_column)
    columns = {stage.pk: BoardColumn(stage=stage, count=counts.get(stage.pk, 0),
                                     next_stage=stages[i + 1] if i + 1 < len(stages) else None)
               for i, stage in enumerate(stages)}
    today = timezone.localdate()
    for row in ranked:
        columns[row["stage_id"]].cards.append(_card(row, today))
    return list(columns.values())


@dataclass(frozen=True)
class JobListQuery:
    assignee_id: int | None = None
    client_id: int | None = None
    template_id: int | None = None
    stage_id: int | None = None
    due_from: date | None = None
    due_to: date | None = None
    overdue: bool = False
    include_closed: bool = False
    page: int = 1


def job_list_queryset(query: JobListQuery) -> QuerySet:
    jobs = Job.objects.all()
    if not query.include_closed:
        jobs = jobs.filter(status=Job.Status.OPEN)
    filters = {"assignee_id": query.assignee_id, "client_id": query.client_id,
               "template_id": query.template_id, "stage_id": query.stage_id,
               "due_date__gte": query.due_from, "due_date__lte": query.due_to}
    jobs = jobs.filter(**{key: value for key, value in filters.items() if value})
    if query.overdue:
        jobs = jobs.filter(status=Job.Status.OPEN, due_date__lt=timezone.localdate())
    return jobs.order_by("due_date", "-priority", "id")


def job_list_page(query: JobListQuery) -> Page:
    rows = job_list_queryset(query).values(*_CARD_FIELDS, "stage__name", "template__name")
    page = Paginator(rows, JOBS_PER_PAGE).get_page(query.page)
    today = timezone.localdate()
    page.object_list = [_card(row, today) for row in page.object_list]
    return page


def my_work(user_id: int, *, limit: int = MY_WORK_ROWS) -> list[dict]:
    """A person's open tasks on open jobs, soonest due first, then by the job's priority."""
    today = timezone.localdate()
    rows = list(JobTask.objects.filter(assignee_id=user_id, status=JobTask.Status.OPEN,
                                       job__status=Job.Status.OPEN)
                .order_by("due_date", "-job__priority", "id")
                .values("id", "title", "due_date", "estimated_hours", "job_id", "job__name",
                        "job__priority", "job__client__business_name", "stage__name",
                        "job__stage_id", "stage_id", "job__blocked_reason")[:limit])
    for row in rows:
        row["overdue"] = row["due_date"] < today
        row["current_stage"] = row["stage_id"] == row["job__stage_id"]
    return rows


def job_get(job_id: int) -> Job:
    return get_object_or_404(
        Job.objects.select_related("template", "client", "engagement", "stage", "assignee"),
        pk=job_id)


def job_tasks(job: Job) -> list[JobTask]:
    return list(job.tasks.select_related("stage", "assignee")
                .order_by("stage__position", "position", "id"))


def job_timeline(job: Job, limit: int = 100) -> list[TimelineEvent]:
    return list(job.timeline.select_related("actor")[:limit])


def job_failed_runs(job: Job) -> list[AutomationRun]:
    return list(job.automation_runs.filter(status=AutomationRun.Status.FAILED)
                .select_related("automation"))


def job_stage_counts(template_id: int) -> dict[int, int]:
    return dict(Job.objects.filter(template_id=template_id, status=Job.Status.OPEN)
                .values("stage_id").annotate(n=Count("id")).values_list("stage_id", "n"))


def open_jobs_count(**filters) -> int:
    return Job.objects.filter(Q(status=Job.Status.OPEN), **filters).count()


def templates_with_counts() -> QuerySet[WorkflowTemplate]:
    return (WorkflowTemplate.objects.filter(archived=False)
            .annotate(stage_count=Count("stages", distinct=True),
                      open_jobs=Count("jobs", filter=Q(jobs__status=Job.Status.OPEN),
                                      distinct=True))
            .order_by("name", "id"))


def client_jobs(client_id: int, *, open_only: bool = False,
                limit: int | None = None) -> list[dict]:
    """A client's jobs with their progress (tasks done of all), open ones first, soonest
    due first."""
    jobs = Job.objects.filter(client_id=client_id)
    if open_only:
        jobs = jobs.filter(status=Job.Status.OPEN)
    rows = list(jobs.annotate(
        tasks_total=Count("tasks"),
        tasks_done=Count("tasks", filter=Q(tasks__status=JobTask.Status.DONE)),
        is_open=Case(When(status=Job.Status.OPEN, then=Value(0)), default=Value(1)))
        .order_by("is_open", "due_date", "id")
        .values("id", "name", "status", "due_date", "stage__name", "template__name",
                "tasks_total", "tasks_done", "blocked_reason")[:limit])
    for row in rows:
        row["percent"] = round(100 * row["tasks_done"] / row["tasks_total"]) \
            if row["tasks_total"] else (100 if row["status"] == Job.Status.COMPLETED else 0)
    return rows


def schedules_list(limit: int = 500) -> list[dict]:
    from apps.work.models import RecurringSchedule

    return list(RecurringSchedule.objects.filter(active=True)
                .annotate(jobs_made=Count("jobs"))
                .order_by("engagement__client__business_name", "id")
                .values("id", "name", "frequency", "next_period", "jobs_made",
                        "engagement__client__business_name", "engagement__client_id",
                        "template__name")[:limit])
