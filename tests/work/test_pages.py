"""Work pages: board, job list, My work, job detail, templates. Moving works with a plain
form POST; the required-stage rule holds on the page; lists run a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.work.models import Job, JobTask, WorkflowTemplate
from apps.work.services import job_task_assign
from tests.work.factories import library_template, make_client, make_job, make_template

pytestmark = pytest.mark.django_db


def _jobs(world, count: int, template=None) -> list[Job]:
    connection.set_tenant(world.firm)
    template = template or make_template()
    lead = world.user(Role.MANAGER)
    return [make_job(template, client=make_client(business_name=f"Board client {i:02d}"),
                     due=date(2026, 12, 1) + timedelta(days=i), assignee_id=lead.pk)
            for i in range(count)]


def _queries(client, url: str) -> tuple[int, object]:
    client.get(url)  # warm the session and role caches: measure the page itself
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured), response


def test_board_shows_columns_with_counts_and_a_fixed_number_of_queries(firm_a):
    jobs = _jobs(firm_a, 3)
    template = jobs[0].template
    client = firm_a.client(Role.MANAGER)
    few, _ = _queries(client, f"/work/board/?template={template.pk}")

    _jobs(firm_a, 12, template)
    many, response = _queries(client, f"/work/board/?template={template.pk}")

    assert many == few <= 8
    body = response.content.decode()
    assert "Board client 00" in body and "Board client 11" in body
    assert ">15<" in body.replace(" ", "")  # the Start column's count


def test_job_list_and_my_work_run_a_fixed_number_of_queries(firm_a):
    jobs = _jobs(firm_a, 3)
    me = firm_a.user(Role.STAFF_ACCOUNTANT)
    for task in JobTask.objects.filter(job__in=jobs):
        job_task_assign(task=task, assignee_id=me.pk)
    client = firm_a.client(Role.STAFF_ACCOUNTANT)
    list_few, _ = _queries(client, "/work/jobs/")
    mine_few, _ = _queries(client, "/work/")

    more = _jobs(firm_a, 10, jobs[0].template)
    for task in JobTask.objects.filter(job__in=more):
        job_task_assign(task=task, assignee_id=me.pk)
    list_many, listed = _queries(client, "/work/jobs/")
    mine_many, mine = _queries(client, "/work/")

    assert (list_many, mine_many) == (list_few, mine_few)
    assert list_many <= 8 and mine_many <= 6
    assert listed.content.decode().count("Simple flow — Board client") == 13
    # Sorted by due date: the first job's task comes first.
    body = mine.content.decode()
    assert body.index("Board client 00") < body.index("Board client 09")


def test_job_list_filters_overdue_and_rejects_a_bad_window(firm_a):
    jobs = _jobs(firm_a, 2)
    Job.objects.filter(pk=jobs[0].pk).update(due_date=timezone.localdate() - timedelta(days=3))
    client = firm_a.client(Role.MANAGER)

    overdue = client.get("/work/jobs/?overdue=on").content.decode()
    bad = client.get("/work/jobs/?due_from=2026-12-31&due_to=2026-01-01")

    assert "Board client 00" in overdue and "Board client 01" not in overdue
    assert bad.status_code == 400
    assert "must be before" in bad.content.decode()


def test_moving_a_card_without_javascript_respects_the_required_stage(firm_a):
    job = _jobs(firm_a, 1)[0]
    stages = {s.name: s for s in job.template.stages.all()}
    staff = firm_a.client(Role.STAFF_ACCOUNTANT)

    to_middle = staff.post(f"/work/jobs/{job.pk}/move/", {"stage": stages["Middle"].pk,
                                                         "next": "/work/board/"})
    skip = staff.post(f"/work/jobs/{job.pk}/move/", {"stage": stages["Start"].pk})
    job.refresh_from_db()
    assert to_middle.status_code == 302 and to_middle.headers["Location"] == "/work/board/"
    assert skip.status_code == 302 and job.stage.name == "Start"

    refused = staff.post(f"/work/jobs/{job.pk}/move/", {"stage": stages["Finish"].pk},
                         HTTP_ACCEPT="application/json")
    job.refresh_from_db()
    assert refused.status_code == 400 and "cannot skip" in refused.json()["error"]
    assert job.stage.name == "Start"

    manager = firm_a.client(Role.MANAGER)
    allowed = manager.post(f"/work/jobs/{job.pk}/move/", {"stage": stages["Finish"].pk,
                                                         "reason": "client filed"},
                           HTTP_ACCEPT="application/json")
    job.refresh_from_db()
    assert allowed.json() == {"ok": True, "error": ""}
    assert job.stage.name == "Finish"


def test_job_create_page_makes_a_job_from_a_template(firm_a):
    connection.set_tenant(firm_a.firm)
    template = library_template("monthly_close")
    customer = make_client(business_name="Lakeside Dental")
    client = firm_a.client(Role.MANAGER)

    response = client.post("/work/jobs/new/", {"template": template.pk,
                                               "client": customer.pk, "priority": 3,
                                               "due_date": "2026-12-15"})

    job = Job.objects.get(client=customer)
    assert response.status_code == 302 and response.headers["Location"] == \
        f"/work/jobs/{job.pk}/"
    assert job.name == "Monthly close — Lakeside Dental" and job.priority == 3
    detail = client.get(f"/work/jobs/{job.pk}/").content.decode()
    assert "Created from “Monthly close”" in detail
    assert "Download bank and card statements" in detail


def test_templates_are_created_copied_and_edited_by_those_allowed(firm_a):
    connection.set_tenant(firm_a.firm)
    manager = firm_a.client(Role.MANAGER)
    outline = ("Intake | required\n- Collect receipts | role: Bookkeeper | skill: bookkeeping "
               "| 1.5 h | -5 days\nWrap up | optional | limit 4")

    created = manager.post("/work/templates/new/", {
        "name": "Receipts sweep", "due_rule": "month_end", "extension_months": 0,
        "outline": outline})
    template = WorkflowTemplate.objects.get(name="Receipts sweep")
    copied = manager.post(f"/work/templates/{template.pk}/copy/")
    copy = WorkflowTemplate.objects.get(name="Receipts sweep (copy)")
    bad = manager.post(f"/work/templates/{copy.pk}/edit/", {
        "name": "Receipts sweep v2", "due_rule": "month_end", "extension_months": 0,
        "outline": "- orphan task\nStage | sometimes"})
    denied = firm_a.client(Role.STAFF_ACCOUNTANT).post("/work/templates/new/", {
        "name": "Not allowed", "due_rule": "none", "extension_months": 0, "outline": "A"})

    assert created.status_code == 302 and copied.status_code == 302
    task = copy.stages.get(position=1).tasks.get()
    assert (task.title, task.required_role, task.required_skill, str(task.estimated_hours),
            task.due_offset_days) == ("Collect receipts", "bookkeeper", "bookkeeping", "1.50",
                                      -5)
    assert copy.stages.get(position=2).wip_limit == 4
    assert bad.status_code == 400
    assert "a task must come after its stage" in bad.content.decode()
    assert denied.status_code == 403
    assert not WorkflowTemplate.objects.filter(name="Not allowed").exists()
