"""Writes for sign-in security: sign-in records and risk decisions, account locks,
notifications to the user."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from advisoros.request_info import client_ip, network_of, user_agent
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.security.models import SignInRecord
from apps.security.risk import RULES, RiskAssessment, sign_in_risk_assess

DEVICE_COOKIE = "aos_device"
DEVICE_COOKIE_AGE = 60 * 60 * 24 * 400


def device_cookie_value(request: HttpRequest) -> str:
    """The browser's long-lived random id (signed), or a fresh one for a new browser."""
    value = request.get_signed_cookie(DEVICE_COOKIE, default="", salt="device")
    if not value or len(value) != 32:
        value = getattr(request, "_new_device_id", "") or secrets.token_hex(16)
        request._new_device_id = value
    return value


def device_cookie_set(request: HttpRequest, response: HttpResponse) -> None:
    response.set_signed_cookie(DEVICE_COOKIE, device_cookie_value(request), salt="device",
                               max_age=DEVICE_COOKIE_AGE, httponly=True,
                               secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")


def device_hash(device_id: str) -> str:
    # Keyed, so the stored value cannot be turned back into a working cookie.
    return hmac.new(settings.SECRET_KEY.encode(), device_id.encode(), hashlib.sha256).hexdigest()


def _record(request: HttpRequest, *, user, email: str, succeeded: bool,
            assessment: RiskAssessment | None = None) -> SignInRecord:
    ip = client_ip(request)
    return SignInRecord.objects.create(
        user=user,
        firm=getattr(request, "firm", None),
        attempted_email=email[:254],
        succeeded=succeeded,
        ip_address=ip,
        network=network_of(ip),
        device_hash=device_hash(device_cookie_value(request)),
        user_agent=user_agent(request),
        hour_utc=timezone.now().hour,
        risk_score=assessment.score if assessment else 0,
        risk_level=assessment.level if assessment else SignInRecord.Level.LOW,
        reasons=assessment.reasons if assessment else [],
    )


def sign_in_failure_record(*, request: HttpRequest | None, email: str) -> None:
    if request is None:
        return
    from apps.accounts.models import User

    user = User.objects.filter(email=email.lower()).first()
    _record(request, user=user, email=email.lower(), succeeded=False)


@transaction.atomic
def sign_in_evaluate(*, request: HttpRequest, user) -> RiskAssessment:
    """Score a sign-in whose password was right; record it; lock on critical risk."""
    ip = client_ip(request)
    assessment = sign_in_risk_assess(
        user=user, email=user.email, network=network_of(ip),
        device_hash=device_hash(device_cookie_value(request)), hour_utc=timezone.now().hour,
    )
    critical = assessment.level == SignInRecord.Level.CRITICAL
    _record(request, user=user, email=user.email, succeeded=not critical, assessment=assessment)
    details = {"score": assessment.score, "reasons": assessment.reasons}
    if critical:
        account_lock(user=user, reason="Critical-risk sign-in: "
                     + ", ".join(RULES[r].description for r in assessment.reasons),
                     request=request, details=details)
    elif assessment.level == SignInRecord.Level.RISKY:
        audit_record(action=AuditAction.RISK_STEP_UP, request=request, actor=user, target=user,
                     details=details)
        user_notify(user=user, subject="New sign-in to your AdvisorOS account",
                    body="We noticed a sign-in that does not look like your usual ones ("
                         + "; ".join(RULES[r].description for r in assessment.reasons)
                         + "). We asked for your authentication code. If this was not you, "
                           "change your password now.")
    return assessment


def account_lock(*, user, reason: str, request: HttpRequest | None = None,
                 details: dict | None = None) -> None:
    user.locked_at = timezone.now()
    user.lock_reason = reason[:300]
    user.save(update_fields=["locked_at", "lock_reason"])
    audit_record(action=AuditAction.RISK_LOCKED, request=request, actor=user, target=user,
                 details=details or {})
    user_notify(user=user, subject="Your AdvisorOS account is locked",
                body="A sign-in to your account looked dangerous, so we locked the account. "
                     "Your firm's administrator or AdvisorOS support can unlock it.")


def account_unlock(*, user, by, request: HttpRequest | None = None) -> None:
    user.locked_at = None
    user.lock_reason = ""
    user.save(update_fields=["locked_at", "lock_reason"])
    audit_record(action=AuditAction.UNLOCKED, request=request, actor=by, target=user)


def user_notify(*, user, subject: str, body: str, to_email: str | None = None) -> None:
    """Email the user (or `to_email`, e.g. their previous address) after the surrounding
    transaction commits, through Celery."""
    from apps.security.tasks import email_user

    user_id = user.pk
    transaction.on_commit(lambda: email_user.delay(user_id, subject, body, to_email))
