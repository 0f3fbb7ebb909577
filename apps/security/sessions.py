"""A person's signed-in sessions: recorded as they are used, listed on the account page,
revocable one by one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from advisoros.request_info import client_ip, user_agent
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.security.models import UserSession

TRACKED_KEY = "tracked_session_key"


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def user_session_touch(*, request: HttpRequest) -> None:
    """Record (or refresh) the request's session under its user. Called on a session's
    first signed-in request and then every half minute of activity."""
    key = request.session.session_key
    if key is None:
        return
    # One statement (INSERT .. ON CONFLICT DO UPDATE): update_or_create would spend a
    # savepoint, a SELECT .. FOR UPDATE and the write, on a busy session's every half minute.
    UserSession.objects.bulk_create(
        [UserSession(session_key=key, user_id=request.user.pk,
                     firm=getattr(request, "firm", None), ip_address=client_ip(request),
                     user_agent=user_agent(request), last_seen_at=timezone.now())],
        update_conflicts=True, unique_fields=["session_key"],
        update_fields=["user", "firm", "ip_address", "user_agent", "last_seen_at"])
    request.session[TRACKED_KEY] = key


@dataclass(frozen=True)
class ActiveSession:
    id: int
    is_current: bool
    where: str
    device: str
    ip_address: str
    started: datetime
    last_seen: datetime


def _device(agent: str) -> str:
    """A short human name for a user agent ("Firefox on Windows"); the raw string is in
    the title attribute on the page."""
    browsers = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"), ("Safari/", "Safari"))
    systems = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
               ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))
    browser = next((name for token, name in browsers if token in agent), "")
    system = next((name for token, name in systems if token in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


def user_sessions_active(*, user, current_key: str | None) -> list[ActiveSession]:
    """The user's sessions that still exist and have not idled out, newest first."""
    since = timezone.now() - timedelta(seconds=settings.SESSION_IDLE_SECONDS)
    rows = (UserSession.objects.filter(user=user, last_seen_at__gte=since)
            .select_related("firm").order_by("-last_seen_at")[:50])
    store = _store()
    return [
        ActiveSession(id=row.pk, is_current=row.session_key == current_key,
                      where=row.firm.name if row.firm else "AdvisorOS (platform site)",
                      device=_device(row.user_agent), ip_address=row.ip_address or "",
                      started=row.created_at, last_seen=row.last_seen_at)
        for row in rows
        if row.session_key == current_key or store().exists(row.session_key)
    ]


@transaction.atomic
def user_session_revoke(*, user, session_id: int, request: HttpRequest) -> bool:
    """End one of the user's own sessions (not the current one: that is "Sign out").
    Returns False when there is no such session of theirs."""
    row = UserSession.objects.select_for_update().filter(pk=session_id, user=user).first()
    if row is None or row.session_key == request.session.session_key:
        return False
    _store()(session_key=row.session_key).delete()
    row.delete()
    audit_record(action=AuditAction.SESSION_EXPIRED, request=request, actor=user, target=user,
                 details={"reason": "revoked by its owner from another session"})
    return True


def user_sessions_prune(*, user) -> None:
    """Forget rows of sessions past their absolute lifetime."""
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    UserSession.objects.filter(user=user, last_seen_at__lt=cutoff).delete()
