"""Writes for sign-in security: sign-in records and risk decisions, account locks,
notifications to the user, email changes confirmed by link."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from advisoros.request_info import client_ip, network_of, user_agent
from advisoros.tasks import delay_on_commit
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.security.models import EmailChangeRequest, SignInRecord
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
    delay_on_commit(email_user, user_id=user_id, subject=subject, body=body, to_email=to_email)


# --- Email change: confirmed by a link sent to the new address -------------------------

EMAIL_CHANGE_SALT = "advisoros.security.email-change"
EMAIL_CHANGE_LINK_SECONDS = 24 * 60 * 60
EMAIL_CHANGE_REQUESTS_PER_HOUR = 5
EMAIL_CHANGE_LINK_INVALID = ("This confirmation link is not valid any more: it was used, "
                             "replaced by a newer one, or is older than a day. Ask for the "
                             "change again.")


@transaction.atomic
def email_change_request(*, user, new_email: str, request: HttpRequest) -> EmailChangeRequest:
    """Record the change and send its confirmation link to the new address, and a notice to
    the current one. Nothing changes until the link is opened (`email_change_confirm`)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.urls import reverse

    from apps.accounts.models import User
    from apps.security.rate_limits import rate_limit_hit

    new_email = (new_email or "").strip().lower()
    try:
        validate_email(new_email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    if new_email == user.email.lower():
        raise ValidationError({"email": "This is already your address."})
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": "Another account uses this address."})
    if not rate_limit_hit(scope="email-change", key=str(user.pk),
                          limit=EMAIL_CHANGE_REQUESTS_PER_HOUR, window_seconds=60 * 60).allowed:
        raise ValidationError({"email": "Too many change requests. Try again in an hour."})

    EmailChangeRequest.objects.filter(user=user, used_at__isnull=True).delete()
    secret = secrets.token_urlsafe(32)
    change = EmailChangeRequest.objects.create(
        user=user, old_email=user.email, new_email=new_email,
        secret_hash=hashlib.sha256(secret.encode()).hexdigest())
    token = signing.TimestampSigner(salt=EMAIL_CHANGE_SALT).sign(f"{change.pk}.{secret}")
    link = request.build_absolute_uri(reverse("security:email_change_confirm", args=[token]))
    user_notify(user=user, to_email=new_email,
                subject="Confirm your new AdvisorOS email address",
                body=f"To make {new_email} the sign-in address of your AdvisorOS account, open "
                     f"this link within a day and confirm:\n{link}\n\nIf you did not ask for "
                     "this, ignore this email: nothing changes.")
    user_notify(user=user, subject="A change of your AdvisorOS email address was requested",
                body=f"Someone signed in to your account asked to change its address to "
                     f"{new_email}. It changes only when that address confirms. If this was "
                     "not you, change your password now and tell your firm.")
    return change


def email_change_pending(*, token: str, user) -> EmailChangeRequest | None:
    """The open request a confirmation link names, if it is valid for `user`."""
    try:
        value = signing.TimestampSigner(salt=EMAIL_CHANGE_SALT).unsign(
            token, max_age=EMAIL_CHANGE_LINK_SECONDS)
        pk, secret = value.split(".", 1)
        pk = int(pk)
    except (signing.BadSignature, ValueError):
        return None
    change = EmailChangeRequest.objects.filter(pk=pk, user_id=user.pk,
                                               used_at__isnull=True).first()
    if change is None or not hmac.compare_digest(
            hashlib.sha256(secret.encode()).hexdigest(), change.secret_hash):
        return None
    return change


@transaction.atomic
def email_change_confirm(*, token: str, user, request: HttpRequest | None = None):
    """Apply a confirmed change, once. A race for the address (another account took it
    since the request) is a field error, not a server error."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError

    from apps.accounts.models import User

    change = email_change_pending(token=token, user=user)
    if change is not None:
        change = EmailChangeRequest.objects.select_for_update().filter(
            pk=change.pk, used_at__isnull=True).first()
    if change is None:
        raise ValidationError({"token": EMAIL_CHANGE_LINK_INVALID})
    account = User.objects.select_for_update().get(pk=change.user_id)
    if account.email != change.old_email:
        raise ValidationError({"token": EMAIL_CHANGE_LINK_INVALID})
    taken = ValidationError({"email": f"Another account now uses {change.new_email}. "
                                      "Ask for the change again with another address."})
    if User.objects.filter(email__iexact=change.new_email).exclude(pk=account.pk).exists():
        raise taken
    account.email = change.new_email
    try:
        with transaction.atomic():  # a savepoint: the unique index decides a close race
            account.save(update_fields=["email"])
    except IntegrityError as exc:
        raise taken from exc
    change.used_at = timezone.now()
    change.save(update_fields=["used_at"])
    audit_record(action=AuditAction.EMAIL_CHANGED, request=request, actor=account,
                 target=account, details={"before": change.old_email, "after": account.email})
    user_notify(user=account, to_email=change.old_email,
                subject="Your AdvisorOS email address changed",
                body=f"The sign-in address of your account is now {account.email}. If you "
                     "did not do this, contact your firm at once.")
    return account
