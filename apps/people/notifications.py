"""The notification centre: write entries, email where people want it, the daily digest.

Email here never carries titles or content: it says how many things happened at the firm
and links to the notification centre, where the person signs in to see them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from functools import cache

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.mail.services import firm_url, mail_queue
from apps.people.models import Notification, NotificationPreference


def preferences_for(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    ids = set(user_ids)
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=ids)}
    return {uid: found.get(uid) or NotificationPreference(user_id=uid) for uid in ids}


@cache
def _recipients_sql() -> str:
    """Written once per process: as an ORM query with three subqueries it took longer to
    build than to run, on every notice (two per upload). A person has at most one
    preferences row per firm (a unique constraint), so a LEFT JOIN reads it."""
    default = NotificationPreference()
    return (
        f'SELECT u."id", u."email", u."is_active", '  # noqa: S608 - the models' own names
        f'COALESCE(p."in_app", {default.in_app}), COALESCE(p."email", {default.email}), '
        f'COALESCE(p."daily_digest", {default.daily_digest}) '
        f'FROM "{User._meta.db_table}" u '
        f'LEFT JOIN "{NotificationPreference._meta.db_table}" p ON p."user_id" = u."id" '
        'WHERE u."id" = ANY(%s)')


def _recipients(user_ids: Iterable[int]) -> list[tuple[int, str, bool, bool, bool, bool]]:
    """(id, email, is_active, in_app, email wanted, daily digest) of each person, with
    their preferences at this firm (the defaults when they set none), in one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_recipients_sql(), [ids])
        return [tuple(row) for row in cursor.fetchall()]


# No savepoint of its own: callers notify inside the transaction of the change they
# announce, and a failure here fails that change (two statements fewer per call).
@transaction.atomic(savepoint=False)
def notify(*, user_ids: Iterable[int], kind: str, title: str, url: str,
           send_email: bool = True, mail_here: bool = False) -> list[Notification]:
    """An entry for each person (who wants in-app entries or a digest), and, when
    `send_email`, one short email to those who want emails. `mail_here`: the caller runs
    in a worker and sends them itself after commit (no task per message)."""
    people = _recipients(user_ids)
    rows = Notification.objects.bulk_create([
        Notification(user_id=uid, kind=kind, title=title[:200], url=url[:300])
        for uid, _, _, in_app, _, digest in people if in_app or digest])
    if send_email:
        label = Notification.Kind(kind).label
        for _, email, is_active, _, wants_email, _ in people:
            if wants_email and is_active:
                mail_queue(to=email, subject=f"{label} at {_firm_name()}",
                           template="people/email/notification", kind=f"notice:{kind}",
                           context={"label": label, "url": firm_url(url)},
                           send_here=mail_here)
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
