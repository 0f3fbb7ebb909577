"""Queue and deliver the firm's mail: HTML plus plain text, in the firm's name.

Callers render nothing themselves: `mail_queue` renders `<template>.txt` and
`<template>.html` with the firm in the context, stores the row and sends it through Celery
after the surrounding transaction commits. Bodies carry links to the firm's host, never
the sensitive content itself (callers' templates are written that way; docs/people.md).
"""

from __future__ import annotations

import logging
import smtplib
from email.utils import formataddr, parseaddr
from functools import cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from advisoros.tasks import delay_on_commit, delay_or_log
from apps.firms.selectors import firm_host
from apps.mail.models import OutgoingMail

# Errors worth trying again later (server down, busy, greylisting); anything else about a
# recipient is permanent.
TEMPORARY_ERRORS = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError,
                    smtplib.SMTPDataError, smtplib.SMTPHeloError, smtplib.SMTPSenderRefused)


log = logging.getLogger(__name__)
# The delivery task's first retry waits this long (apps/mail/tasks.py doubles it after).
RETRY_FIRST_SECONDS = 30


class MailDeferred(Exception):
    """The server did not take the message this time; the task retries later."""


def firm_url(path: str, firm=None) -> str:
    """An absolute link to `path` on the firm's host (the current firm by default)."""
    firm = firm or connection.tenant
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{firm_host(firm.slug)}{port}{path}"


def firm_from_address(firm) -> str:
    """`"Alpha CPA" <no-reply@...>`: the firm's name on the platform's sending address, so
    replies and SPF/DKIM stay with the platform's domain."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((firm.name, address))


# No savepoint: the message belongs to the caller's transaction (it is sent only if that
# commits), and a failure here is the caller's failure.
@transaction.atomic(savepoint=False)
def mail_queue(*, to: str, subject: str, template: str, context: dict, kind: str,
               send_here: bool = False) -> OutgoingMail:
    """Render and store one message to `to`, sent by a task after commit; with
    `send_here` (a caller that is itself a background task) sent by this process after
    commit instead, and left to the task only when it cannot go at once."""
    from apps.mail.tasks import mail_deliver_task

    firm = connection.tenant
    full = {"firm": firm, "subject": subject, **context}
    mail = OutgoingMail.objects.create(
        to=to, subject=subject[:200], kind=kind,
        text_body=render_to_string(f"{template}.txt", full),
        html_body=render_to_string(f"{template}.html", full))
    mail_id = mail.pk
    if send_here:
        transaction.on_commit(lambda: mail_send_now_or_later(mail_id=mail_id))
    else:
        delay_on_commit(mail_deliver_task, mail_id=mail_id)
    return mail


def mail_send_now_or_later(*, mail_id: int) -> None:
    """Send a stored message from this background process; one the server does not take
    now (or any error) goes to the delivery task and its retries, as if queued."""
    from apps.mail.tasks import mail_deliver_task

    try:
        mail_deliver(mail_id=mail_id)
    except MailDeferred:
        delay_or_log(mail_deliver_task, countdown=RETRY_FIRST_SECONDS, mail_id=mail_id)
    except Exception:
        log.exception("mail %s: not sent now, left to the delivery task", mail_id)
        delay_or_log(mail_deliver_task, mail_id=mail_id)


def _send(mail: OutgoingMail) -> None:
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.text_body,
        from_email=firm_from_address(connection.tenant), to=[mail.to],
        headers={"Auto-Submitted": "auto-generated"},
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT))
    message.attach_alternative(mail.html_body, "text/html")
    message.send()


@cache
def _statements() -> dict[str, str]:
    """The delivery's two statements, written once per process: every notice from a worker
    sends its mail at once, and as ORM queries the lock and the outcome cost more CPU to
    build than to run. The row stays locked while the message goes out, as before, so
    two deliveries of one message never both send it."""
    table = OutgoingMail._meta.db_table
    return {
        "lock": f'SELECT * FROM "{table}" WHERE "id" = %s FOR UPDATE',  # noqa: S608 - the model's own table
        "outcome": f'UPDATE "{table}" SET "attempts" = %s, "status" = %s, "sent_at" = %s, '  # noqa: S608
                   '"last_error" = %s WHERE "id" = %s',
    }


def mail_deliver(*, mail_id: int) -> bool:
    """Send one queued message. True when it went now, False when there was nothing to
    send (already sent, failed for good, or gone); raises MailDeferred to be retried."""
    with transaction.atomic():
        mail = next(iter(OutgoingMail.objects.raw(_statements()["lock"], [mail_id])), None)
        if mail is None or mail.status != OutgoingMail.Status.QUEUED:
            return False
        mail.attempts += 1
        try:
            _send(mail)
        except TEMPORARY_ERRORS as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            mail.last_error = error
            if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
                mail.status = OutgoingMail.Status.FAILED
        except smtplib.SMTPException as exc:  # refused recipient: retrying will not help
            mail.last_error = f"{type(exc).__name__}: {exc}"[:300]
            mail.status = OutgoingMail.Status.FAILED
        else:
            mail.status = OutgoingMail.Status.SENT
            mail.sent_at = timezone.now()
            mail.last_error = ""
        with connection.cursor() as cursor:
            cursor.execute(_statements()["outcome"], [mail.attempts, mail.status, mail.sent_at,
                                                      mail.last_error, mail.pk])
    if mail.status == OutgoingMail.Status.QUEUED:
        raise MailDeferred(mail.last_error)
    return mail.status == OutgoingMail.Status.SENT
