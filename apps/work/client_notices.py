"""Automation actions that tell the client something: a portal message or an email.

The words come from the automation's configuration; the only things filled in are the
job's name and due date ({job}, {due_date}), so a rule can never put a client's figures,
identifiers or documents into a message. The email carries the same short text and a link
to the portal, in the firm's name, through apps.mail's queue (sent after commit).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.work.models import Job, TemplateAutomation

DEFAULT_SUBJECT = "{job}"
DEFAULT_BODY = ("We have started work on {job}, due {due_date}. We will write to you here "
                "if we need anything from you.")
_PLACEHOLDER = re.compile(r"\{(job|due_date)\}")


def notice_text(template: str, job: Job) -> str:
    """The configured text with {job} and {due_date} filled in; any other braces stay as
    written (a typo in a rule must not break it)."""
    due = job.due_date
    values = {"job": job.name, "due_date": f"{due:%B} {due.day}, {due.year}"}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _texts(job: Job, config: dict) -> tuple[str, str]:
    subject = notice_text(str(config.get("subject") or DEFAULT_SUBJECT), job).strip()[:200]
    body = notice_text(str(config.get("body") or DEFAULT_BODY), job).strip()
    return subject, body


def send_portal_message(job: Job, automation: TemplateAutomation, config: dict) -> str:
    """Start a conversation with the client about the job, as the firm, written by the
    automation's configured author or else the job's lead."""
    from apps.accounts.models import User
    from apps.people.messaging import messaging_staff_ids, thread_start
    from apps.portal.selectors import current_firm

    author_id = config.get("author_id") or job.assignee_id
    if not author_id:
        raise ValidationError("Nobody to send the message as: give the job a lead (or the "
                              "automation an author) and retry.")
    author = User.objects.filter(pk=author_id, is_active=True).first()
    if author is None or author.pk not in messaging_staff_ids(current_firm().pk):
        raise ValidationError("The message's author no longer answers client messages: "
                              "choose another lead for the job and retry.")
    subject, body = _texts(job, config)
    thread = thread_start(client=job.client, subject=subject, body=body, author=author,
                          from_firm=True, job_id=job.pk)
    return (f"message “{thread.subject}” sent to {job.client.business_name} as "
            f"{author.get_full_name() or author.email}")


def send_email(job: Job, automation: TemplateAutomation, config: dict) -> str:
    """Email everyone with portal access to the client: the short text and a link to the
    portal, queued through apps.mail (delivered after this run commits)."""
    from apps.accounts.models import User
    from apps.mail.services import firm_url, mail_queue
    from apps.portal.models import ClientAccess

    user_ids = ClientAccess.objects.filter(client_id=job.client_id).values_list("user_id",
                                                                                flat=True)
    addresses = sorted(set(User.objects.filter(pk__in=user_ids, is_active=True)
                           .exclude(email="").values_list("email", flat=True)))
    if not addresses:
        raise ValidationError(f"Nobody at {job.client.business_name} has portal access to "
                              "email: invite them to the portal and retry.")
    subject, body = _texts(job, config)
    url = firm_url(reverse("portal:dashboard", args=[job.client_id]))
    for address in addresses:
        mail_queue(to=address, subject=subject, template="work/email/job_notice",
                   kind="work:job_notice", context={"body": body, "url": url})
    count = len(addresses)
    return f"emailed {count} {'person' if count == 1 else 'people'} at {job.client.business_name}"
