"""Session rules and MFA enforcement, applied to every request after authentication."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from apps.accounts.access import request_role
from apps.accounts.roles import STAFF_ROLES
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.security.mfa import mfa_is_verified, mfa_required
from apps.security.mfa_devices import confirmed_device_ids
from apps.security.sessions import TRACKED_KEY, user_session_touch, user_sessions_prune

AUTH_AT = "auth_at"
LAST_SEEN = "last_seen"
# Touching the session on every request would write Redis and the database each time.
_LAST_SEEN_RESOLUTION = 30


def idle_limit_seconds(request: HttpRequest) -> int:
    firm = getattr(request, "firm", None)
    if firm is not None and request_role(request) in STAFF_ROLES:
        return firm.staff_idle_timeout_minutes * 60
    return settings.SESSION_IDLE_SECONDS


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class SessionPolicyMiddleware:
    """Idle timeout (per firm for staff), absolute lifetime, locked accounts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ended = self._ended_because(request, user)
            if ended:
                audit_record(action=AuditAction.SESSION_EXPIRED, request=request, actor=user,
                             target=user, details={"reason": ended})
                logout(request)
                if _wants_json(request):
                    return JsonResponse({"detail": f"Session ended: {ended}."}, status=401)
                messages.info(request, f"You were signed out: {ended}. Please sign in again.")
                return redirect(f"{settings.LOGIN_URL_PATH}?{urlencode({'next': request.path})}")
        return self.get_response(request)

    def _ended_because(self, request: HttpRequest, user) -> str | None:
        now = time.time()
        session = request.session
        if user.locked_at:
            return "the account is locked"
        auth_at = session.setdefault(AUTH_AT, now)
        if now - auth_at > settings.SESSION_ABSOLUTE_SECONDS:
            return "the session reached its maximum lifetime"
        last_seen = session.get(LAST_SEEN, now)
        if now - last_seen > idle_limit_seconds(request):
            return "no activity for too long"
        refresh = now - last_seen >= _LAST_SEEN_RESOLUTION or LAST_SEEN not in session
        if refresh:
            session[LAST_SEEN] = now
        first_seen = session.get(TRACKED_KEY) != session.session_key  # new or rotated key
        if first_seen:
            user_sessions_prune(user=user)
        if refresh or first_seen:
            user_session_touch(request=request)  # the account page's session list
        return None


MFA_EXEMPT_PREFIXES = ("/accounts/sign-in/", "/accounts/sign-out/", "/accounts/password-reset/",
                       "/accounts/mfa/", "/static/", "/health/")


class MfaRequiredMiddleware:
    """Send people who must use MFA, and have not passed it this session, to do so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (not request.path.startswith(MFA_EXEMPT_PREFIXES) and mfa_required(request)
                and not mfa_is_verified(request)):
            if _wants_json(request):
                return JsonResponse({"detail": "Multi-factor authentication required."},
                                    status=403)
            target = "/accounts/mfa/verify/" if confirmed_device_ids(request.user) else \
                "/accounts/mfa/setup/"
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
