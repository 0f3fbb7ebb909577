"""Client onboarding: a new client starts the onboarding workflow after commit, once, and
its progress shows on the client's work page."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.documents.models import DocumentRequest
from apps.portal.services import client_create
from apps.work.models import Job
from apps.work.services import job_task_complete, onboarding_start

pytestmark = pytest.mark.django_db


def test_a_new_client_gets_the_onboarding_job_once(in_firm_a, celery_eager,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client = client_create(business_name="Fresh Start Florists")

    job = Job.objects.get(client=client)
    assert job.template.library_key == "client_onboarding"
    assert job.stage.name == "Engagement letter"
    assert job.timeline.filter(message="Started automatically for a new client").exists()
    # Its first automation asked the client for documents.
    assert DocumentRequest.objects.filter(client=client).count() == 1

    onboarding_start(client=client, firm_id=in_firm_a.firm.pk)  # a redelivered message
    assert Job.objects.filter(client=client).count() == 1


def test_the_client_work_page_shows_progress(firm_a):
    connection.set_tenant(firm_a.firm)
    client = client_create(business_name="Progress Pottery")
    job = onboarding_start(client=client, firm_id=firm_a.firm.pk)[0]
    job_task_complete(task=job.tasks.order_by("id").first())

    body = firm_a.client(Role.STAFF_ACCOUNTANT).get(f"/work/clients/{client.pk}/") \
        .content.decode()

    assert "New client onboarding — Progress Pottery" in body
    assert "1 of 5 tasks" in body


def test_the_client_page_shows_onboarding_progress_to_staff_who_see_work(firm_a):
    connection.set_tenant(firm_a.firm)
    client = client_create(business_name="Progress Pottery")
    job = onboarding_start(client=client, firm_id=firm_a.firm.pk)[0]
    job_task_complete(task=job.tasks.order_by("id").first())
    connection.set_schema_to_public()

    body = firm_a.client(Role.STAFF_ACCOUNTANT).get(f"/staff/clients/{client.pk}/") \
        .content.decode()

    assert "Work in progress" in body
    assert f'href="/work/jobs/{job.pk}/"' in body
    assert "New client onboarding — Progress Pottery" in body
    assert "1 of 5 tasks done" in body
    assert f'href="/work/clients/{client.pk}/"' in body
