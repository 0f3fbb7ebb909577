"""Sign-in, sign-out and failures reach the audit trail however they happen."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from apps.audit.models import AuditAction
from apps.audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditAction.SIGN_IN, request=request, actor=user, target=user)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditAction.SIGN_OUT, request=request, actor=user, target=user)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django already masks the password in `credentials`; keep only the identifier.
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:254]
    audit_record(action=AuditAction.SIGN_IN_FAILED, request=request,
                 details={"attempted_email": attempted.replace("\x00", "")})
