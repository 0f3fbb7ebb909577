"""Workload per person per week, kept incrementally.

Every service that gives a task an assignee, takes it away, completes it or changes its
hours calls `workload_shift` in the same transaction, so `WorkloadWeek` always equals the
sum of open assigned tasks (tests/work/test_routing.py checks it against a recount).
Routing then reads one row per candidate instead of summing their tasks.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection

from apps.work.models import JobTask
from apps.work.periods import week_start


def workload_shift(*, user_id: int | None, week: date | None, hours: Decimal, tasks: int
                   ) -> None:
    """Add (or with negative values, remove) hours and a task count to a person's week."""
    if user_id is None or week is None or (not hours and not tasks):
        return
    # One upsert: concurrent assignments to the same person and week add up correctly.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO work_workloadweek (user_id, week_start, hours, open_tasks) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, week_start) DO UPDATE SET "
            "hours = EXCLUDED.hours + work_workloadweek.hours, "
            "open_tasks = EXCLUDED.open_tasks + work_workloadweek.open_tasks",
            [user_id, week, hours, tasks])


def task_workload_add(task: JobTask) -> None:
    """Count an open, assigned task in its assignee's week (and remember which week)."""
    if task.status != JobTask.Status.OPEN or task.assignee_id is None:
        task.workload_week = None
        return
    task.workload_week = week_start(task.due_date)
    workload_shift(user_id=task.assignee_id, week=task.workload_week,
                   hours=task.estimated_hours, tasks=1)


def task_workload_remove(task: JobTask) -> None:
    """Undo what `task_workload_add` counted for this task (as stored)."""
    if task.workload_week is not None and task.assignee_id is not None:
        workload_shift(user_id=task.assignee_id, week=task.workload_week,
                       hours=-task.estimated_hours, tasks=-1)
    task.workload_week = None


def workload_recount() -> int:
    """Rebuild the table from the tasks (repair tool and the tests' reference)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM work_workloadweek")
        cursor.execute(
            "INSERT INTO work_workloadweek (user_id, week_start, hours, open_tasks) "
            "SELECT assignee_id, workload_week, SUM(estimated_hours), COUNT(*) "
            "FROM work_jobtask WHERE status = 'open' AND assignee_id IS NOT NULL "
            "AND workload_week IS NOT NULL GROUP BY assignee_id, workload_week")
        return cursor.rowcount


def workload_shift_many(rows: list[tuple[int, date, Decimal, int]]) -> None:
    """`workload_shift` for many (user, week, hours, tasks) rows in one round of upserts."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO work_workloadweek (user_id, week_start, hours, open_tasks) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, week_start) DO UPDATE SET "
            "hours = EXCLUDED.hours + work_workloadweek.hours, "
            "open_tasks = EXCLUDED.open_tasks + work_workloadweek.open_tasks", rows)
