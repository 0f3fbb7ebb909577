"""Work pages: board, job list, My work, job detail, templates. Moving works with a plain
form POST; the required-stage rule holds on the page; lists run a fixed number of queries."""

from __future__ import annotations

import re
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


def _form_fields(html: str, form_id: str) -> dict[str, str]:
    """The hidden inputs of the form with this id, as a browser would submit them."""
    start = html.index(f'<form method="post" id="{form_id}"')
    form = html[start:html.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_a_card_moves_through_its_columns_form_without_javascript(
        firm_a, django_assert_max_num_queries):
    """Each column has one move form (one CSRF token), each card's button points it at its
    job: what a browser submits for the button moves that job, and only that one."""
    jobs = _jobs(firm_a, 4)
    template = jobs[0].template
    stages = list(template.stages.order_by("position"))
    manager = firm_a.client(Role.MANAGER)
    manager.get(f"/work/board/?template={template.pk}")  # warm the session and role caches

    with django_assert_max_num_queries(8):
        html = manager.get(f"/work/board/?template={template.pk}").content.decode()

    form_id = f"move-{stages[0].pk}"
    button = re.search(rf'<button type="submit" form="{form_id}" '
                       rf'formaction="(/work/jobs/{jobs[2].pk}/move/)"', html)
    assert button is not None
    # One token per column that has a next stage, the drag script's and the header's.
    assert html.count("csrfmiddlewaretoken") == (len(stages) - 1) + 2
    fields = _form_fields(html, form_id)
    assert fields["stage"] == str(stages[1].pk)

    moved = manager.post(button.group(1), fields)

    assert moved.status_code == 302
    assert moved.headers["Location"] == f"/work/board/?template={template.pk}"
    assert [Job.objects.get(pk=job.pk).stage_id for job in jobs] == [
        stages[0].pk, stages[0].pk, stages[1].pk, stages[0].pk]


def test_my_work_marks_a_task_done_through_the_one_form(firm_a,
                                                        django_assert_max_num_queries):
    jobs = _jobs(firm_a, 30)
    me = firm_a.user(Role.STAFF_ACCOUNTANT)
    tasks = list(JobTask.objects.filter(job__in=jobs).order_by("id"))
    for task in tasks:
        job_task_assign(task=task, assignee_id=me.pk)
    mine = firm_a.client(Role.STAFF_ACCOUNTANT)
    mine.get("/work/")

    with django_assert_max_num_queries(6):
        html = mine.get("/work/").content.decode()

    assert html.count('form="task-done"') == len(tasks)
    assert html.count("csrfmiddlewaretoken") == 2  # the Done form and the header's
    done = re.search(rf'form="task-done" formaction="(/work/tasks/{tasks[5].pk}/complete/)"',
                     html)
    assert done is not None
    answered = mine.post(done.group(1), _form_fields(html, "task-done"))

    assert answered.status_code == 302 and answered.headers["Location"] == "/work/"
    assert list(JobTask.objects.filter(status=JobTask.Status.DONE)) == [tasks[5]]
    due = tasks[0].due_date
    assert f"{due:%b} {due.day}, {due.year}" in html and ">Normal<" in html
