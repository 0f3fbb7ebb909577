from django.conf import settings
from django.core.mail import send_mail

from advisoros.celery import app


@app.task(name="security.email_user", autoretry_for=(OSError,), retry_backoff=True,
          max_retries=5)
def email_user(user_id: int, subject: str, body: str, to_email: str | None = None) -> None:
    from apps.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to_email or user.email])
