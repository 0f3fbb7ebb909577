from advisoros.celery import app
from apps.mail.services import RETRY_FIRST_SECONDS, MailDeferred, mail_deliver


@app.task(name="mail.deliver", bind=True, max_retries=None)
def mail_deliver_task(self, mail_id: int) -> bool:
    """Send one stored message; a temporary failure retries with a growing delay (the
    row counts attempts and gives up after MAIL_MAX_ATTEMPTS)."""
    try:
        return mail_deliver(mail_id=mail_id)
    except MailDeferred as exc:
        # The row gives up after MAIL_MAX_ATTEMPTS (then mail_deliver returns False).
        delay = min(RETRY_FIRST_SECONDS * 2 ** self.request.retries, 30 * 60)
        raise self.retry(exc=exc, countdown=delay) from exc
