"""The notification centre: write entries, email where people want it, the daily digest.

Email here never carries titles or content: it says how many things happened at the firm
and links to the notification centre, where the person signs in to see them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.mail.services import firm_url, mail_queue
from apps.people.models import Notification, NotificationPreference


def preferences_for(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    ids = set(user_ids)
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=ids)}
    return {uid: found.get(uid) or NotificationPreference(user_id=uid) for uid in ids}


@transaction.atomic
def notify(*, user_ids: Iterable[int], kind: str, title: str, url: str,
           send_email: bool = True) -> list[Notification]:
    """An entry for each person (who wants in-app entries or a digest), and, when
    `send_email`, one short email to those who want emails."""
    prefs = preferences_for(user_ids)
    rows = Notification.objects.bulk_create([
        Notification(user_id=uid, kind=kind, title=title[:200], url=url[:300])
        for uid, pref in prefs.items() if pref.in_app or pref.daily_digest])
    if send_email:
        emailed = [uid for uid, pref in prefs.items() if pref.email]
        label = Notification.Kind(kind).label
        for user in User.objects.filter(pk__in=emailed, is_active=True):
            mail_queue(to=user.email, subject=f"{label} at {_firm_name()}",
                       template="people/email/notification", kind=f"notice:{kind}",
                       context={"label": label, "url": firm_url(url)})
    return rows


def _firm_name() -> str:
    from django.db import connection

    return connection.tenant.name


@transaction.atomic
def notification_open(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now())


@transaction.atomic
def preference_set(*, user_id: int, in_app: bool, email: bool, daily_digest: bool
                   ) -> NotificationPreference:
    pref, _ = NotificationPreference.objects.update_or_create(
        user_id=user_id, defaults={"in_app": in_app, "email": email,
                                   "daily_digest": daily_digest})
    return pref


def notifications_digest(*, now=None) -> int:
    """One email per person who asked for a daily digest and has unread entries of the
    last day not yet digested; returns how many were sent. Safe to run twice: each entry
    is marked as digested in the same transaction as its email is queued."""
    now = now or timezone.now()
    sent = 0
    wanting = NotificationPreference.objects.filter(daily_digest=True).values_list(
        "user_id", flat=True)
    for user_id in wanting:
        with transaction.atomic():
            entries = list(Notification.objects.select_for_update().filter(
                user_id=user_id, read_at__isnull=True, digested_at__isnull=True,
                created_at__gte=now - timedelta(days=1)))
            user = User.objects.filter(pk=user_id, is_active=True).first()
            if not entries or user is None:
                continue
            counts = Counter(Notification.Kind(e.kind).label for e in entries)
            mail_queue(to=user.email, subject=f"Your day at {_firm_name()}: "
                                              f"{len(entries)} new", kind="digest",
                       template="people/email/digest",
                       context={"counts": sorted(counts.items()),
                                "url": firm_url(reverse("notifications:centre"))})
            Notification.objects.filter(pk__in=[e.pk for e in entries]).update(digested_at=now)
            sent += 1
    return sent
