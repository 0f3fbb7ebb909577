"""Capacity grid and jobs at risk: the math on known numbers, the page, and rebalancing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.work.capacity import capacity_grid, jobs_at_risk, working_days
from apps.work.models import JobTask
from apps.work.periods import week_start
from apps.work.services import job_task_assign
from tests.work.factories import make_job, make_profile, make_template

pytestmark = pytest.mark.django_db


def test_working_days_count_weekdays_only():
    assert working_days(date(2026, 3, 9), date(2026, 3, 13)) == 5
    assert working_days(date(2026, 3, 13), date(2026, 3, 16)) == 2
    assert working_days(date(2026, 3, 16), date(2026, 3, 13)) == 0


def test_grid_marks_over_allocation_and_at_risk_lists_the_job_that_cannot_fit(in_firm_a):
    world = in_firm_a
    today = timezone.localdate()
    monday = week_start(today) + timedelta(weeks=1)
    friday = monday + timedelta(days=4)
    bookkeeper = world.user(Role.BOOKKEEPER)
    make_profile(bookkeeper, hours="6")
    # 2 tasks x 8 h due next Friday for a person with 6 h a week: over capacity, and at
    # most 10 working days (12 h) before the due date.
    job = make_job(make_template(stages=(("Do", True), ("Done", True)), tasks_per_stage=2,
                                 hours="8"), due=friday + timedelta(days=1))
    for task in job.tasks.all():
        job_task_assign(task=task, assignee_id=bookkeeper.pk)
    easy = make_job(make_template(stages=(("Do", True), ("Done", True)), hours="1"),
                    due=friday + timedelta(weeks=3))
    job_task_assign(task=easy.tasks.get(), assignee_id=world.user(Role.MANAGER).pk)

    weeks, rows = capacity_grid(world.firm.pk, today=today)
    row = next(r for r in rows if r.person.user_id == bookkeeper.pk)
    cell = dict((week, (hours, over)) for week, hours, over in row.weeks)
    at_risk = jobs_at_risk(world.firm.pk, today=today)

    assert len(weeks) == 8 and weeks[0] == week_start(today)
    assert cell[monday] == (Decimal("16.00"), True)
    assert [r.job_id for r in at_risk] == [job.pk]
    assert at_risk[0].hours_left == Decimal("16.00")
    days = working_days(today, job.due_date)
    assert at_risk[0].hours_free == min(Decimal("16"), Decimal(6 * days) / 5).quantize(
        Decimal("0.1"))


def test_rebalance_moves_the_work_to_someone_with_room(firm_a):
    connection.set_tenant(firm_a.firm)
    today = timezone.localdate()
    busy, free = firm_a.user(Role.BOOKKEEPER), firm_a.user(Role.STAFF_ACCOUNTANT)
    make_profile(busy, hours="4")
    make_profile(free, hours="40")
    # Due in five days: 4 h a week cannot do 8 h by then in any zone (the page counts
    # working days from the firm's today, which may be the test's yesterday).
    job = make_job(make_template(stages=(("Do", True), ("Done", True)), hours="8"),
                   due=today + timedelta(days=5))
    task = job.tasks.get()
    job_task_assign(task=task, assignee_id=busy.pk)
    manager = firm_a.client(Role.MANAGER)

    page = manager.get("/work/capacity/").content.decode()
    response = manager.post(f"/work/jobs/{job.pk}/rebalance/")
    denied = firm_a.client(Role.STAFF_ACCOUNTANT).post(f"/work/jobs/{job.pk}/rebalance/")

    assert "Jobs at risk" in page and job.name in page
    assert response.status_code == 302 and denied.status_code == 403
    task = JobTask.objects.get(pk=task.pk)
    assert task.assignee_id != busy.pk
    assert task.assignment_reason.startswith("assigned to ")


def test_capacity_is_changed_by_managers_only(firm_a):
    from apps.work.models import StaffProfile

    connection.set_tenant(firm_a.firm)
    person = firm_a.user(Role.TAX_PREPARER)
    url = f"/work/capacity/{person.pk}/"

    saved = firm_a.client(Role.MANAGER).post(url, {"weekly_capacity_hours": "32",
                                                   "skills": "Tax, review,, tax"})
    bad = firm_a.client(Role.MANAGER).post(url, {"weekly_capacity_hours": "500"})
    denied = firm_a.client(Role.TAX_PREPARER).post(url, {"weekly_capacity_hours": "80"})

    profile = StaffProfile.objects.get(user_id=person.pk)
    assert saved.status_code == 302 and bad.status_code == 400 and denied.status_code == 403
    assert (profile.weekly_capacity_hours, profile.skills) == (Decimal("32.00"),
                                                               ["review", "tax"])
