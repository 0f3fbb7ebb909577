"""Webhook events from the work and people apps: a job moving stage, a message posted."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.integrations.models import WebhookEvent
from apps.integrations.webhooks import webhook_endpoint_create
from apps.people.messaging import thread_start
from apps.work.models import TemplateStage
from apps.work.services import job_create, job_move
from tests.portal.factories import make_client
from tests.work.factories import make_template

pytestmark = pytest.mark.django_db


def test_a_stage_move_is_announced_with_the_new_stage(in_firm_a,
                                                     django_capture_on_commit_callbacks):
    webhook_endpoint_create(url="http://127.0.0.1:9/hooks", event_types=["job.stage_changed"])
    template = make_template()
    job = job_create(template=template, client=make_client(), route=False)
    middle = TemplateStage.objects.get(template=template, name="Middle")
    with django_capture_on_commit_callbacks(execute=True):
        job_move(job=job, to_stage=middle)

    event = WebhookEvent.objects.get(type="job.stage_changed")
    assert (event.payload["stage"], event.payload["id"], event.sequence) == ("Middle", job.pk, 1)


def test_a_message_is_announced_without_its_text(in_firm_a, firm_a,
                                                 django_capture_on_commit_callbacks):
    webhook_endpoint_create(url="http://127.0.0.1:9/hooks", event_types=["message.created"])
    client = make_client()
    with django_capture_on_commit_callbacks(execute=True):
        thread = thread_start(client=client, subject="Year-end", body="My SSN is 123-45-6789",
                              author=firm_a.user(Role.MANAGER), from_firm=True)

    event = WebhookEvent.objects.get(type="message.created")
    assert event.payload["thread_id"] == thread.pk and event.payload["from"] == "firm"
    assert "123-45-6789" not in str(event.payload)
