"""Failed sign-ins feed risk scoring; lockouts reach the audit trail; changed API keys and
MFA devices stale their cached copies."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp import device_classes

from apps.accounts.backends import user_cache_forget
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.security.api_keys import api_key_changed
from apps.security.models import ApiKey
from apps.security.services import sign_in_failure_record


@receiver(user_login_failed, dispatch_uid="security_failure_record")
def _failed(sender, credentials, request=None, **kwargs) -> None:
    email = str(credentials.get("username") or "").replace("\x00", "")
    sign_in_failure_record(request=request, email=email)


@receiver(user_locked_out, dispatch_uid="security_lockout_audit")
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    audit_record(action=AuditAction.LOCKED_OUT, request=request,
                 details={"attempted_email": str(username or "")[:254]})


@receiver(user_logged_in, dispatch_uid="security_session_start")
def _session_start(sender, request, user, **kwargs) -> None:
    import time

    from apps.security.middleware import AUTH_AT, LAST_SEEN

    now = time.time()
    request.session[AUTH_AT] = now
    request.session[LAST_SEEN] = now


@receiver([post_save, post_delete], sender=ApiKey, dispatch_uid="security_api_key_cache")
def _api_key_changed(sender, instance: ApiKey, **kwargs) -> None:
    # However a key changed (revoked in the page, by a membership ending, in the admin):
    # its cached copy goes stale inside the transaction and again at commit.
    api_key_changed(key=instance)


def _mfa_device_changed(sender, instance, **kwargs) -> None:
    # The cached user row carries the ids of the user's confirmed devices
    # (apps/security/mfa_devices.py): stale now and again at commit.
    if instance.user_id is not None:
        user_cache_forget(instance.user_id)


for _device_class in device_classes():
    post_save.connect(_mfa_device_changed, sender=_device_class,
                      dispatch_uid=f"security_mfa_device_cache_{_device_class.model_label()}")
    post_delete.connect(_mfa_device_changed, sender=_device_class,
                        dispatch_uid=f"security_mfa_device_cache_d_{_device_class.model_label()}")
