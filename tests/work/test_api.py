"""Work API: templates, jobs, tasks and time entries; filters, cursor pages, the
permission matrix (roles and API key scopes) and bad input as 400s."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.work.models import Job, TimeEntry, WorkflowTemplate
from apps.work.services import job_task_assign
from apps.work.timetracking import time_entry_create
from tests.work.factories import make_client, make_job, make_template

pytestmark = pytest.mark.django_db
API = "/api/v1/work"


def test_templates_are_readable_with_their_stages(firm_a):
    connection.set_tenant(firm_a.firm)
    template = WorkflowTemplate.objects.get(library_key="individual_1040")
    client = firm_a.client(Role.STAFF_ACCOUNTANT)

    listed = client.get(f"{API}/templates/").json()
    detail = client.get(f"{API}/templates/{template.pk}/").json()

    assert "Individual tax return (1040)" in [t["name"] for t in listed["results"]]
    assert detail["due_rule"] == "individual_return"
    assert [s["name"] for s in detail["stages"]][:2] == ["Waiting for documents", "Preparation"]
    assert detail["stages"][2]["tasks"][0]["required_role"] == "manager"


def test_create_filter_page_and_move_jobs(firm_a):
    connection.set_tenant(firm_a.firm)
    template = make_template()
    customer = make_client()
    manager = firm_a.client(Role.MANAGER)

    created = manager.post(f"{API}/jobs/", {"template": template.pk, "client": customer.pk,
                                            "due_date": "2026-12-20", "priority": 3},
                           content_type="application/json")
    for day in range(1, 4):
        make_job(template, due=date(2026, 12, day))
    page = manager.get(f"{API}/jobs/?template={template.pk}&page_size=2").json()
    following = manager.get(page["next"].split("testserver", 1)[-1]).json()
    due_filtered = manager.get(f"{API}/jobs/?due_after=2026-12-15").json()
    job_id = created.json()["id"]
    finish = template.stages.get(name="Finish")
    refused = firm_a.client(Role.STAFF_ACCOUNTANT).post(
        f"{API}/jobs/{job_id}/move/", {"stage": finish.pk}, content_type="application/json")
    moved = manager.post(f"{API}/jobs/{job_id}/move/", {"stage": finish.pk, "reason": "done"},
                         content_type="application/json")

    assert created.status_code == 201 and created.json()["priority"] == 3
    assert len(page["results"]) == 2 and len(following["results"]) == 2
    assert [j["id"] for j in due_filtered["results"]] == [job_id]
    assert refused.status_code == 400 and "cannot skip" in refused.json()["stage"][0]
    assert moved.status_code == 200 and moved.json()["status"] == "completed"


def test_bad_input_is_a_400_naming_the_field(firm_a):
    connection.set_tenant(firm_a.firm)
    manager = firm_a.client(Role.MANAGER)

    bad_filter = manager.get(f"{API}/jobs/?due_after=someday&client=abc")
    bad_body = manager.post(f"{API}/jobs/", {"template": 0, "client": "x", "name": "a\x00b"},
                            content_type="application/json")
    bad_cursor = manager.get(f"{API}/tasks/?cursor=nonsense")

    assert bad_filter.status_code == 400 and {"due_after", "client"} <= set(bad_filter.json())
    assert bad_body.status_code == 400 and {"template", "client", "name"} <= set(
        bad_body.json())
    assert bad_cursor.status_code == 400
    assert Job.objects.count() == 0


def test_tasks_list_with_filters_in_a_fixed_number_of_queries(firm_a):
    connection.set_tenant(firm_a.firm)
    me = firm_a.user(Role.BOOKKEEPER)
    jobs = [make_job() for _ in range(3)]
    for job in jobs:
        for task in job.tasks.all():
            job_task_assign(task=task, assignee_id=me.pk)
    client = firm_a.client(Role.BOOKKEEPER)
    client.get(f"{API}/tasks/")

    with CaptureQueriesContext(connection) as few:
        small = client.get(f"{API}/tasks/?assignee={me.pk}&status=open").json()
    for _ in range(5):
        job = make_job()
        for task in job.tasks.all():
            job_task_assign(task=task, assignee_id=me.pk)
    with CaptureQueriesContext(connection) as many:
        large = client.get(f"{API}/tasks/?assignee={me.pk}&status=open").json()

    assert len(small["results"]) == 6 and len(large["results"]) == 16
    assert len(many) == len(few)
    done = client.post(f"{API}/tasks/{small['results'][0]['id']}/complete/")
    assert done.json()["status"] == "done"


def test_time_entries_are_your_own_unless_you_may_see_everyones(firm_a):
    connection.set_tenant(firm_a.firm)
    job = make_job()
    staff, manager = firm_a.user(Role.STAFF_ACCOUNTANT), firm_a.user(Role.MANAGER)
    time_entry_create(user_id=manager.pk, firm_id=firm_a.firm.pk, job=job, minutes=30)

    own = firm_a.client(Role.STAFF_ACCOUNTANT).post(
        f"{API}/time-entries/", {"job": job.pk, "minutes": 45}, content_type="application/json")
    for_other = firm_a.client(Role.STAFF_ACCOUNTANT).post(
        f"{API}/time-entries/", {"job": job.pk, "minutes": 45, "staff_member": manager.pk},
        content_type="application/json")
    staff_sees = firm_a.client(Role.STAFF_ACCOUNTANT).get(f"{API}/time-entries/").json()
    manager_sees = firm_a.client(Role.MANAGER).get(f"{API}/time-entries/?unbilled=true").json()
    client_user = firm_a.client(Role.CLIENT_OWNER).get(f"{API}/time-entries/")

    assert own.status_code == 201 and own.json()["user"] == staff.pk
    assert for_other.status_code == 400 and \
        "only your own" in for_other.json()["staff_member"][0]
    assert [e["user"] for e in staff_sees["results"]] == [staff.pk]
    assert sorted(e["user"] for e in manager_sees["results"]) == sorted([staff.pk, manager.pk])
    assert client_user.status_code == 403
    assert TimeEntry.objects.count() == 2


def test_api_keys_act_by_their_scopes(firm_a):
    from django.test import Client as HttpClient

    from apps.security.api_keys import api_key_create

    connection.set_schema_to_public()
    read_only = api_key_create(firm=firm_a.firm, created_by=firm_a.user(Role.OWNER),
                               name="Dashboard sync", scopes=["tasks.view"],
                               expires_in_days=30)
    http = HttpClient(HTTP_HOST=firm_a.host,
                      HTTP_AUTHORIZATION=f"Api-Key {read_only.plaintext}")
    connection.set_tenant(firm_a.firm)
    template = make_template()
    customer = make_client()

    listed = http.get(f"{API}/jobs/")
    create = http.post(f"{API}/jobs/", {"template": template.pk, "client": customer.pk},
                       content_type="application/json")
    own_time = http.get(f"{API}/time-entries/")

    assert listed.status_code == 200
    assert create.status_code == 403 and Job.objects.count() == 0
    # A key is nobody: without work.time_view_all it sees no one's time.
    assert own_time.status_code == 200 and own_time.json()["results"] == []
