"""Multi-factor authentication with django-otp: TOTP apps plus one-time backup codes.

Who must use it: firm staff always; a firm's client users when the firm requires it;
platform staff everywhere; anyone whose sign-in was scored risky (step-up).
"""

from __future__ import annotations

import io

from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.access import request_role
from apps.accounts.roles import STAFF_ROLES, is_client_role
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.security.backup_codes import backup_code_hash, backup_code_new
from apps.security.models import BackupCode, BackupCodeDevice

BACKUP_CODE_COUNT = 10
STEP_UP_SESSION_KEY = "mfa_step_up"


def mfa_required(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    # Platform staff hold keys to every firm: MFA wherever they are signed in.
    if request.session.get(STEP_UP_SESSION_KEY) or user.is_staff or user.is_superuser:
        return True
    firm = getattr(request, "firm", None)
    if firm is None:
        return False
    role = request_role(request)
    if role in STAFF_ROLES:
        return True
    return is_client_role(role) and firm.mfa_required_for_clients


def mfa_is_verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def user_has_mfa(user) -> bool:
    return user_has_device(user, confirmed=True)


@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """A fresh unconfirmed authenticator for the user (earlier unconfirmed ones dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_qr_svg(device: TOTPDevice) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def totp_secret_text(device: TOTPDevice) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, token: str
                           ) -> list[str] | None:
    """Confirm the authenticator with a first code; returns new backup codes, or None when
    the code is wrong."""
    if device.user_id != request.user.pk or not device.verify_token(token):
        audit_record(action=AuditAction.MFA_FAILED, request=request,
                     details={"during": "enrolment"})
        return None
    TOTPDevice.objects.filter(user=request.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_regenerate(user=request.user, request=request, audit=False)
    otp_login(request, device)
    request.session.pop(STEP_UP_SESSION_KEY, None)
    audit_record(action=AuditAction.MFA_ENROLLED, request=request, target=request.user)
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user, request: HttpRequest | None = None,
                            audit: bool = True) -> list[str]:
    """A new set of codes replacing the old one. The codes are returned to be shown once;
    only their keyed hashes are stored."""
    device, _ = BackupCodeDevice.objects.get_or_create(user=user, name="Backup codes",
                                                       defaults={"confirmed": True})
    device.codes.all().delete()
    codes = [backup_code_new() for _ in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(BackupCode(device=device, code_hash=backup_code_hash(code))
                                   for code in codes)
    if audit:
        audit_record(action=AuditAction.MFA_BACKUP_REGENERATED, request=request, actor=user,
                     target=user)
    return codes


def mfa_verify(*, request: HttpRequest, token: str) -> bool:
    """Check a code against the user's authenticator, then backup codes. A code works once:
    TOTP remembers the last time step used, and backup codes are deleted when used (and
    compared as keyed hashes, in constant time)."""
    token = "".join(token.split())[:16]
    user = request.user
    with transaction.atomic():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True).select_for_update():
            if device.verify_token(token):
                return _verified(request, device, AuditAction.MFA_VERIFIED)
        for device in BackupCodeDevice.objects.filter(user=user,
                                                      confirmed=True).select_for_update():
            if device.verify_token(token):
                return _verified(request, device, AuditAction.MFA_BACKUP_USED)
    audit_record(action=AuditAction.MFA_FAILED, request=request, details={"during": "sign-in"})
    return False


def _verified(request: HttpRequest, device, action: str) -> bool:
    otp_login(request, device)
    request.session.pop(STEP_UP_SESSION_KEY, None)
    audit_record(action=action, request=request, target=request.user)
    return True


@transaction.atomic
def mfa_remove(*, request: HttpRequest) -> None:
    TOTPDevice.objects.filter(user=request.user).delete()
    BackupCodeDevice.objects.filter(user=request.user).delete()
    audit_record(action=AuditAction.MFA_REMOVED, request=request, target=request.user)
