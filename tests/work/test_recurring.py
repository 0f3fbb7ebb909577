"""Recurring work: each period's job exactly once (double beat, a run cut off mid-way,
concurrent runs) and catch-up after downtime."""

from __future__ import annotations

from datetime import date

import pytest

from apps.work.models import Job, RecurringSchedule
from apps.work.recurring import recurring_jobs_generate, recurring_schedule_create
from tests.work.factories import library_template, make_client, make_engagement
from tests.work.threads import Race

pytestmark = pytest.mark.django_db


def _monthly_close(first: date, name: str = "Monthly close") -> RecurringSchedule:
    engagement = make_engagement(make_client(business_name="Harbor Cafe"))
    return recurring_schedule_create(engagement=engagement,
                                     template=library_template("monthly_close"),
                                     frequency="monthly", name=name, first_period=first)


def test_beat_makes_the_periods_job_and_a_second_beat_makes_nothing(in_firm_a):
    schedule = _monthly_close(date(2026, 11, 1))

    made_first = recurring_jobs_generate(today=date(2026, 11, 3))
    made_again = recurring_jobs_generate(today=date(2026, 11, 3))

    job = Job.objects.get(schedule=schedule)
    assert (made_first, made_again) == (1, 0)
    assert job.name == "Monthly close 2026-11" and job.period == "2026-11"
    assert job.due_date == date(2026, 12, 15)
    assert job.engagement == schedule.engagement


def test_missed_periods_are_caught_up_without_duplicates(in_firm_a):
    schedule = _monthly_close(date(2026, 7, 1))
    recurring_jobs_generate(today=date(2026, 7, 2))

    # Beat was down from August to November.
    made = recurring_jobs_generate(today=date(2026, 11, 20))

    assert made == 4
    assert sorted(Job.objects.filter(schedule=schedule).values_list("period", flat=True)) == \
        ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


def test_a_run_that_was_cut_off_is_finished_without_duplicates(in_firm_a):
    """A worker killed after creating a period's job but before its schedule moved on is
    the same as a run that finds `next_period` behind the jobs: the unique (schedule,
    period) turns the repeat into a no-op and the rest is made."""
    schedule = _monthly_close(date(2026, 9, 1))
    recurring_jobs_generate(today=date(2026, 10, 5))  # September and October
    RecurringSchedule.objects.filter(pk=schedule.pk).update(next_period=date(2026, 9, 1))

    made = recurring_jobs_generate(today=date(2026, 11, 5))

    assert made == 1
    assert Job.objects.filter(schedule=schedule).count() == 3
    schedule.refresh_from_db()
    assert schedule.next_period == date(2026, 12, 1)


def test_quarterly_and_yearly_schedules_name_their_periods(in_firm_a):
    engagement = make_engagement(make_client())
    quarterly = recurring_schedule_create(
        engagement=engagement, template=library_template("quarterly_cfo_review"),
        frequency="quarterly", first_period=date(2026, 7, 15))
    yearly = recurring_schedule_create(
        engagement=engagement, template=library_template("individual_1040"),
        frequency="yearly", name="Tax return", first_period=date(2026, 1, 1))

    recurring_jobs_generate(today=date(2026, 11, 1))

    assert list(Job.objects.filter(schedule=quarterly).order_by("period")
                .values_list("name", "due_date")) == [
        ("Quarterly CFO review 2026-Q3", date(2026, 10, 20)),
        ("Quarterly CFO review 2026-Q4", date(2027, 1, 20))]
    # The yearly return of 2026's schedule is the 2025 tax year's, due Apr 15, 2026.
    assert list(Job.objects.filter(schedule=yearly).values_list("name", "due_date")) == [
        ("Tax return 2026", date(2026, 4, 15))]


@pytest.mark.django_db
def test_concurrent_beats_make_each_period_once(_two_firms, django_db_blocker):
    """Four workers run the same beat at once, each on its own connection, on committed
    schedules; every period's job exists once. Rows are removed afterwards."""
    firm = _two_firms[0].firm
    race = Race(racers=4)

    def setup() -> None:
        for index in range(5):
            engagement = make_engagement(make_client(business_name=f"Concurrent {index}"))
            recurring_schedule_create(engagement=engagement,
                                      template=library_template("monthly_close"),
                                      frequency="monthly", name=f"Concurrent close {index}",
                                      first_period=date(2026, 8, 1))

    def beat() -> None:
        race.start.wait(timeout=30)
        race.results.append(recurring_jobs_generate(today=date(2026, 11, 2)))

    def count_and_clean_up() -> None:
        from apps.portal.models import Client

        jobs = Job.objects.filter(name__startswith="Concurrent close ")
        race.counts["jobs"] = jobs.count()
        race.counts["distinct"] = jobs.values("schedule", "period").distinct().count()
        for job in jobs:
            job.tasks.all().delete()
            job.timeline.all().delete()
            job.automation_runs.all().delete()
        jobs.delete()
        RecurringSchedule.objects.filter(name__startswith="Concurrent close ").delete()
        Client.objects.filter(business_name__startswith="Concurrent ").delete()
        from apps.work.workload import workload_recount

        workload_recount()

    race.run(firm, django_db_blocker, setup=setup, racer=beat, settle=count_and_clean_up)

    assert race.errors == []
    assert sum(race.results) == 20  # 5 schedules x Aug..Nov
    assert race.counts == {"jobs": 20, "distinct": 20}


def test_batch_generation_routes_tasks_and_keeps_the_workload_exact(in_firm_a):
    from apps.accounts.roles import Role
    from apps.work.models import JobTask, WorkloadWeek
    from apps.work.workload import workload_recount
    from tests.work.factories import make_profile

    make_profile(in_firm_a.user(Role.BOOKKEEPER), hours="20", skills=["bookkeeping"])
    make_profile(in_firm_a.user(Role.SENIOR_ACCOUNTANT), hours="40",
                 skills=["bookkeeping", "review"])
    for index in range(3):
        _monthly_close(date(2026, 10, 1), name=f"Close {index}")

    assert recurring_jobs_generate(today=date(2026, 11, 2)) == 6

    tasks = JobTask.objects.filter(job__schedule__isnull=False)
    assert tasks.filter(assignee_id__isnull=True).count() == 0
    assert set(tasks.values_list("assignee_id", flat=True)) <= {
        in_firm_a.user(Role.BOOKKEEPER).pk, in_firm_a.user(Role.SENIOR_ACCOUNTANT).pk}
    review = tasks.filter(required_skill="review").first()
    assert review.assignee_id == in_firm_a.user(Role.SENIOR_ACCOUNTANT).pk
    assert review.assignment_reason.startswith("assigned to ")
    kept = sorted(WorkloadWeek.objects.values_list("user_id", "week_start", "hours",
                                                   "open_tasks"))
    workload_recount()
    assert kept == sorted(WorkloadWeek.objects.values_list("user_id", "week_start", "hours",
                                                           "open_tasks"))


def test_the_schedules_page_adds_a_schedule_for_those_who_edit_engagements(firm_a):
    from django.db import connection

    from apps.accounts.roles import Role

    connection.set_tenant(firm_a.firm)
    engagement = make_engagement(make_client(business_name="Quarry Tiles"))
    template = library_template("payroll_run")
    body = {"engagement": engagement.pk, "template": template.pk, "frequency": "monthly",
            "name": "Payroll", "first_period": "2026-11-01"}

    added = firm_a.client(Role.STAFF_ACCOUNTANT).post("/work/schedules/", body)
    denied = firm_a.client(Role.ADVISOR).post("/work/schedules/", body)
    page = firm_a.client(Role.ADVISOR).get("/work/schedules/").content.decode()

    schedule = RecurringSchedule.objects.get(engagement=engagement)
    assert added.status_code == 302 and denied.status_code == 403
    assert (schedule.name, schedule.next_period) == ("Payroll", date(2026, 11, 1))
    assert "Quarry Tiles" in page


def test_the_firm_admin_edits_automations_for_template_editors_only(firm_a):
    from django.db import connection

    from apps.accounts.roles import Role

    connection.set_tenant(firm_a.firm)
    template = library_template("monthly_close")

    manager = firm_a.client(Role.MANAGER).get(f"/admin/work/workflowtemplate/{template.pk}/change/")
    senior = firm_a.client(Role.SENIOR_ACCOUNTANT).get("/admin/work/workflowtemplate/")

    assert manager.status_code == 200
    assert "Move to the next stage when every task is done" in manager.content.decode()
    assert senior.status_code in (302, 403)
