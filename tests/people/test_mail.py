"""Firm mail through a real SMTP server: content, sender, retries, idempotence."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.mail.models import OutgoingMail
from apps.mail.services import MailDeferred, mail_deliver, mail_queue
from tests.people.smtp import bodies

pytestmark = pytest.mark.django_db


def _queue(**extra) -> OutgoingMail:
    return mail_queue(to="pat@example.com", subject="You are invited",
                      template="people/email/invitation", kind="invitation",
                      context={"inviter": "Olive Owner", "what": "the team", "role": "Manager",
                               "url": "http://alpha-cpa.localhost/invitations/x/",
                               "expires_at": None, **extra})


def test_queued_mail_is_delivered_after_commit_as_html_and_text_in_the_firms_name(
        in_firm_a, smtp, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail = _queue()
        assert smtp.messages == []  # nothing leaves before the transaction commits

    [message] = smtp.wait_for(1)
    text, html = bodies(message)
    assert message["To"] == "pat@example.com"
    assert message["Subject"] == "You are invited"
    assert message["From"].addresses[0].display_name == "Alpha CPA"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "http://alpha-cpa.localhost/invitations/x/" in text
    assert 'href="http://alpha-cpa.localhost/invitations/x/"' in html
    assert "Olive Owner invites you" in text and "<strong>Alpha CPA</strong>" in html
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (OutgoingMail.Status.SENT, 1)
    assert connection.schema_name == in_firm_a.firm.schema_name


def test_a_temporary_refusal_is_retried_and_the_message_sent_once(in_firm_a, smtp):
    mail = _queue()
    smtp.refuse(1)

    with pytest.raises(MailDeferred):
        mail_deliver(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (OutgoingMail.Status.QUEUED, 1)
    assert "451" in mail.last_error

    assert mail_deliver(mail_id=mail.pk) is True
    assert mail_deliver(mail_id=mail.pk) is False  # a duplicate task message sends nothing
    assert len(smtp.wait_for(1)) == 1
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.last_error) == (OutgoingMail.Status.SENT, 2, "")


def test_after_the_last_attempt_the_message_is_marked_failed(in_firm_a, smtp, settings):
    settings.MAIL_MAX_ATTEMPTS = 2
    mail = _queue()
    smtp.refuse(5)

    with pytest.raises(MailDeferred):
        mail_deliver(mail_id=mail.pk)
    assert mail_deliver(mail_id=mail.pk) is False

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (OutgoingMail.Status.FAILED, 2)
    assert smtp.messages == []


def test_a_server_that_is_down_defers_the_message(in_firm_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    mail = _queue()

    with pytest.raises(MailDeferred):
        mail_deliver(mail_id=mail.pk)

    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.QUEUED and mail.last_error
