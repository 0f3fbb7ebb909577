"""The notification centre and its preferences, for staff and client users alike."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.people import selectors
from apps.people.forms_messages import PreferencesForm
from apps.people.models import Notification
from apps.people.notifications import (
    notification_open,
    notifications_mark_all_read,
    preference_set,
    preferences_for,
)

# Anyone with a place at the firm: staff (staff area) or client users (portal).
_MEMBER = (Perm.STAFF_AREA, Perm.PORTAL_ACCESS)


@firm_permission_required(*_MEMBER)
def centre(request: HttpRequest) -> HttpResponse:
    pref = preferences_for([request.user.pk])[request.user.pk]
    form = PreferencesForm(initial={"in_app": pref.in_app, "email": pref.email,
                                    "daily_digest": pref.daily_digest})
    return render(request, "people/notifications.html", {
        "items": selectors.notifications_for(request.user.pk),
        "unread": selectors.notifications_unread_count(request.user.pk),
        "form": form, "section": "notifications"})


@require_POST
@firm_permission_required(*_MEMBER)
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=notification_id, user_id=request.user.pk)
    notification_open(notification=notification)
    if url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None) and \
            notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("notifications:centre")


@require_POST
@firm_permission_required(*_MEMBER)
def mark_all_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user_id=request.user.pk)
    return redirect("notifications:centre")


@require_POST
@firm_permission_required(*_MEMBER)
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    form.is_valid()  # three check boxes: any combination is valid
    preference_set(user_id=request.user.pk, **{k: bool(form.cleaned_data.get(k))
                                               for k in ("in_app", "email", "daily_digest")})
    messages.success(request, "Notification settings saved.")
    return redirect("notifications:centre")
