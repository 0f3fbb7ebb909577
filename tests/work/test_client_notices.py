"""Automations that tell the client: a portal message and an email. Once per trigger
event, a failure keeps its reason and a retry sends it; the words are the rule's, with
only the job's name and due date filled in."""

from __future__ import annotations

from datetime import date

import pytest

from apps.accounts.roles import Role
from apps.mail.models import OutgoingMail
from apps.people.models import Thread
from apps.work.automations import automation_run_execute, automations_fire
from apps.work.models import Action, AutomationRun, TemplateAutomation, TimelineEvent, Trigger
from tests.portal.factories import give_access
from tests.work.factories import make_client, make_job, make_template

pytestmark = pytest.mark.django_db
FAR = date(2027, 4, 15)
SECRET = "123-45-6789"


def _template_with(action: str, **config):
    template = make_template("Tax return flow")
    TemplateAutomation.objects.create(template=template, trigger=Trigger.JOB_CREATED,
                                      action=action, config=config)
    return template


def test_job_created_sends_one_portal_message_from_the_jobs_lead(
        in_firm_a, celery_eager, django_capture_on_commit_callbacks):
    manager = in_firm_a.users[Role.MANAGER]
    client = make_client(business_name="Rivera household")
    give_access(in_firm_a.user(Role.CLIENT_OWNER), client)
    template = _template_with(Action.SEND_MESSAGE, subject="{job} has started",
                              body="We are working on {job}, due {due_date}. {unknown}")

    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(template, client=client, due=FAR, name="2026 tax return",
                       assignee_id=manager.pk)

    thread = Thread.objects.get(client=client)
    assert thread.subject == "2026 tax return has started" and thread.job_id == job.pk
    message = thread.messages.get()
    assert message.from_firm and message.author_id == manager.pk
    assert message.body == "We are working on 2026 tax return, due April 15, 2027. {unknown}"
    run = AutomationRun.objects.get(job=job)
    assert run.status == AutomationRun.Status.SUCCEEDED
    assert "sent to Rivera household" in run.outcome
    assert job.timeline.filter(kind=TimelineEvent.Kind.AUTOMATION,
                               message__contains="portal message").exists()

    # The same trigger again, and the same run executed again: still one message.
    automations_fire(job_id=job.pk, trigger=Trigger.JOB_CREATED, event_key=run.event_key,
                     stage_id=job.stage_id)
    automation_run_execute(run_id=run.pk)
    assert Thread.objects.filter(client=client).count() == 1
    assert AutomationRun.objects.filter(job=job).count() == 1


def test_a_message_without_an_author_fails_with_a_reason_and_a_retry_sends_it(
        in_firm_a, celery_eager, django_capture_on_commit_callbacks):
    client = make_client()
    template = _template_with(Action.SEND_MESSAGE)

    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(template, client=client, due=FAR)

    run = AutomationRun.objects.get(job=job)
    assert run.status == AutomationRun.Status.FAILED
    assert "Nobody to send the message as" in run.outcome
    assert not Thread.objects.filter(client=client).exists()

    # Configure an author (the lead would do too) and retry: it goes once.
    automation = run.automation
    automation.config = {"author_id": in_firm_a.users[Role.STAFF_ACCOUNTANT].pk}
    automation.save()
    run = automation_run_execute(run_id=run.pk)
    assert run.status == AutomationRun.Status.SUCCEEDED and run.attempts == 2
    message = Thread.objects.get(client=client).messages.get()
    assert message.author_id == in_firm_a.users[Role.STAFF_ACCOUNTANT].pk
    assert message.body.startswith(f"We have started work on {job.name}, due April 15, 2027")


def test_a_client_cannot_be_the_author(in_firm_a, celery_eager,
                                       django_capture_on_commit_callbacks):
    client = make_client()
    template = _template_with(Action.SEND_MESSAGE,
                              author_id=in_firm_a.users[Role.CLIENT_OWNER].pk)
    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(template, client=client, due=FAR)
    run = AutomationRun.objects.get(job=job)
    assert run.status == AutomationRun.Status.FAILED
    assert "no longer answers client messages" in run.outcome


def test_job_created_emails_the_clients_portal_users_once_in_the_firms_name(
        in_firm_a, outbox):
    client = make_client(business_name="Rivera household", contact_name=SECRET)
    owner = in_firm_a.user(Role.CLIENT_OWNER)
    give_access(owner, client)
    template = _template_with(Action.SEND_EMAIL, subject="Your {job}",
                              body="{job} is under way, due {due_date}. {client.contact_name}")

    with outbox.deliver():
        job = make_job(template, client=client, due=FAR, name="2026 tax return")

    [email] = outbox.to(owner.email)
    assert email["Subject"] == "Your 2026 tax return"
    assert email["From"].startswith(f"{in_firm_a.firm.name} <")
    text = outbox.body(email)
    assert "2026 tax return is under way, due April 15, 2027. {client.contact_name}" in text
    assert f"/portal/{client.pk}/" in text
    assert SECRET not in email.as_string()
    run = AutomationRun.objects.get(job=job)
    assert run.status == AutomationRun.Status.SUCCEEDED
    assert run.outcome == "emailed 1 person at Rivera household"

    with outbox.deliver():
        automations_fire(job_id=job.pk, trigger=Trigger.JOB_CREATED,
                         event_key=run.event_key, stage_id=job.stage_id)
    assert len(outbox.to(owner.email)) == 1
    assert OutgoingMail.objects.filter(kind="work:job_notice").count() == 1


def test_an_email_with_nobody_to_write_to_fails_and_a_retry_sends_it(in_firm_a, outbox):
    client = make_client(business_name="Quiet LLC")
    template = _template_with(Action.SEND_EMAIL)
    with outbox.deliver():
        job = make_job(template, client=client, due=FAR)
    run = AutomationRun.objects.get(job=job)
    assert run.status == AutomationRun.Status.FAILED
    assert "Nobody at Quiet LLC has portal access" in run.outcome
    assert not outbox.messages

    owner = in_firm_a.user(Role.CLIENT_OWNER)
    give_access(owner, client)
    with outbox.deliver():
        run = automation_run_execute(run_id=run.pk)
    assert run.status == AutomationRun.Status.SUCCEEDED
    assert len(outbox.to(owner.email)) == 1
