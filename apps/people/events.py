"""Notifications for things that happen in other apps: documents, requests, invoices, jobs.

Other apps make one call, `announce(event, object_id, ...)`, inside the transaction that
makes the change. Nothing happens unless that transaction commits; then a task
(`people.announce`, ids only) decides who should hear about it and notifies them through
the notification centre (which honours each person's in-app / email / digest choices and
never puts content in an email). Each announcement carries a key recorded in
NotificationEvent, so a task delivered twice notifies nobody twice.

Who hears what:
- documents uploaded: by a client user → the staff looking after the client (its assigned
  staff member, else everyone who sees documents); by staff → the client's portal users.
- document processed: the person who uploaded it, while they can still see it.
  Files attached to a message or a signed proposal are left out of both (those events say
  it).
- documents due soon (daily sweep): the client's portal users, once per request and date.
- invoice sent: the client's portal users. Invoice paid: them and the firm's staff
  looking after the client (assigned staff, else whoever manages invoices).
- job assigned: the new lead, unless they assigned it to themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.people.models import Notification, NotificationEvent


@dataclass(frozen=True)
class Notice:
    user_ids: set[int]
    kind: str
    title: str
    url: str


def announce(event: str, object_id: int, **details: int | None) -> None:
    """Call inside the transaction that makes the change: after it commits, the people
    concerned are notified by a task (nothing is told about a rolled-back change)."""
    from advisoros.tasks import delay_or_log
    from apps.people.tasks import announce_task

    key = f"{event}:{object_id}:{uuid.uuid4().hex}"
    transaction.on_commit(lambda: delay_or_log(announce_task, event=event,
                                               object_id=object_id, key=key,
                                               details=details), robust=True)


def announce_from_worker(event: str, object_id: int, **details: int | None) -> None:
    """`announce` for code that already runs in a Celery worker (document processing):
    delivered by this process once the transaction commits, not by a task of its own (a
    message, a pick-up and a tenant switch fewer per document), its mails sent from here
    too. A failure is logged and never undoes the change, as with the task."""
    key = f"{event}:{object_id}:{uuid.uuid4().hex}"
    transaction.on_commit(lambda: announcement_deliver(
        event=event, object_id=object_id, key=key, details=details, mail_here=True),
        robust=True)


def announcement_deliver(*, event: str, object_id: int, key: str,
                         details: dict | None = None, mail_here: bool = False) -> int:
    """Notify the people concerned by one announced event, once; returns how many.
    `mail_here`: the caller is a background process, which sends the mails itself after
    commit (apps/mail/services.py mail_queue)."""
    handler = HANDLERS[event]
    with transaction.atomic():
        notices = handler(object_id, **(details or {}))
        return _deliver_once(key, notices, mail_here=mail_here)


def _first_announcement(key: str) -> bool:
    """Record the key; False when it was recorded before. One INSERT .. ON CONFLICT
    instead of a look-up, or an insert in a savepoint that may fail."""
    table = NotificationEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" ("key", "created_at") VALUES (%s, %s) '  # noqa: S608 - the model's own table
                       'ON CONFLICT ("key") DO NOTHING RETURNING "id"',
                       [key[:120], timezone.now()])
        return cursor.fetchone() is not None


def _deliver_once(key: str, notices: list[Notice], *, mail_here: bool = False) -> int:
    from apps.people.notifications import notify

    if not _first_announcement(key):
        return 0  # announced before: the people concerned have heard already
    told = 0
    for notice in notices:
        if notice.user_ids:
            notify(user_ids=notice.user_ids, kind=notice.kind, title=notice.title,
                   url=notice.url, mail_here=mail_here)
            told += len(notice.user_ids)
    return told


# --- who is concerned ---------------------------------------------------------------------

def _client_user_ids(client_id: int) -> set[int]:
    from apps.portal.models import ClientAccess

    return set(ClientAccess.objects.filter(client_id=client_id, user__is_active=True)
               .values_list("user_id", flat=True))


def _staff_memberships(*, user_ids=(), roles=None):
    """Active staff memberships of the current firm as (user_id, role) rows: those of
    `user_ids`, and every one of `roles`. Only the rows asked for: a firm's memberships
    also hold every client user (thousands in a large firm)."""
    from django.db.models import Q

    wanted = Q(user_id__in=[uid for uid in user_ids if uid is not None])
    if roles:
        wanted |= Q(role__in=roles)
    return _active_staff().filter(wanted).values_list("user_id", "role")


def _active_staff():
    from apps.accounts.models import Membership
    from apps.accounts.roles import STAFF_ROLES

    return Membership.objects.filter(firm_id=connection.tenant.pk, is_active=True,
                                     user__is_active=True, role__in=STAFF_ROLES)


def _staff_role_of(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return next((role for _, role in _staff_memberships(user_ids=[user_id])), None)


# Who hears about a client nobody is assigned to: the firm's administrators, not every
# holder of the permission (a firm of 200 partners would send 200 emails per upload).
UNASSIGNED_CLIENT_ROLES = ("owner", "admin")


def _staff_looking_after(assigned: int | None, perm, *, also: int | None = None
                         ) -> tuple[set[int], str | None]:
    """The assigned staff member (`assigned`) when they hold `perm`; for an unassigned client
    the firm's owners and administrators who hold it, else (none of them does) every
    holder. With it, the staff role of user `also` (None: not staff), from the same
    query."""
    from apps.accounts.roles import STAFF_ROLES, permissions_for_role

    holding = [role for role in STAFF_ROLES if perm in permissions_for_role(role)]
    rows = list(_staff_memberships(user_ids=[assigned, also], roles=[
        role for role in UNASSIGNED_CLIENT_ROLES if role in holding]))
    also_role = next((role for uid, role in rows if uid == also), None)
    holders = {uid for uid, role in rows if role in holding}
    if assigned in holders:
        return {assigned}, also_role
    administrators = {uid for uid, role in rows
                      if role in UNASSIGNED_CLIENT_ROLES and role in holding}
    if administrators:
        return administrators, also_role
    # Nobody assigned or in charge holds it: every holder (a rare, small firm's case).
    return {uid for uid, _ in _staff_memberships(roles=holding)}, also_role


# --- events ---------------------------------------------------------------------------------

def _one_row(sql: str, params: list) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
        if found is None:
            return None
        return dict(zip([column.name for column in cursor.description], found, strict=True))


def _documents_uploaded(batch_id: int) -> list[Notice]:
    """One statement for the batch, its client and how many of its documents to tell of
    (apps/people/events_sql.py), then who is concerned."""
    from apps.accounts.roles import Perm
    from apps.people.events_sql import documents_uploaded_sql

    batch = _one_row(documents_uploaded_sql(), [batch_id])
    if batch is None or not batch["to_tell"]:
        return []
    count, client_id, uploader_id = batch["to_tell"], batch["client_id"], batch["uploaded_by_id"]
    files = "a document" if count == 1 else f"{count} documents"
    if uploader_id is None:
        return []  # an import with nobody behind it: not news for anyone
    looking_after, uploader_role = _staff_looking_after(
        batch["assigned_staff_id"], Perm.DOCUMENTS_VIEW, also=uploader_id)
    if uploader_role is None:
        return [Notice(looking_after - {uploader_id},
                       Notification.Kind.DOCUMENT, f"{batch['business_name']} uploaded {files}",
                       reverse("documents:list") + f"?client={client_id}")]
    return [Notice(_client_user_ids(client_id), Notification.Kind.DOCUMENT,
                   f"{connection.tenant.name} added {files} to your portal",
                   reverse("portal:documents", args=[client_id]))]


def _document_processed(document_id: int) -> list[Notice]:
    """One statement (one per small document processed, apps/people/events_sql.py): the
    document with whether another event tells of it, and whether its uploader is staff or
    still sees the client."""
    from apps.accounts.roles import STAFF_ROLES
    from apps.documents.models import Document
    from apps.people.events_sql import document_processed_sql

    row = _one_row(document_processed_sql(),
                   [connection.tenant.pk, [str(role) for role in STAFF_ROLES], document_id])
    if row is None or row["told_elsewhere"]:
        return []
    outcome = {Document.Status.FAILED: "could not be read",
               Document.Status.NEEDS_REVIEW: "is read and waits for a review"}.get(
        row["status"], "is read and filed")
    title = f"“{row['file_name']}” {outcome}"
    uploader_id = row["uploaded_by_id"]
    if row["by_staff"]:
        return [Notice({uploader_id}, Notification.Kind.DOCUMENT_PROCESSED, title,
                       reverse("documents:detail", args=[row["id"]]))]
    if not row["sees_client"]:
        return []  # their access was removed since
    return [Notice({uploader_id}, Notification.Kind.DOCUMENT_PROCESSED, title,
                   reverse("portal:documents", args=[row["client_id"]]))]


def _invoice(invoice_id: int):
    from apps.billing.models import Invoice

    return Invoice.objects.select_related("client").filter(pk=invoice_id).first()


def _invoice_url(invoice) -> str:
    return reverse("portal_billing:invoice", args=[invoice.client_id, invoice.pk])


def _invoice_sent(invoice_id: int) -> list[Notice]:
    invoice = _invoice(invoice_id)
    if invoice is None:
        return []
    return [Notice(_client_user_ids(invoice.client_id), Notification.Kind.INVOICE_SENT,
                   f"Invoice {invoice.number} from {connection.tenant.name}",
                   _invoice_url(invoice))]


def _invoice_paid(invoice_id: int) -> list[Notice]:
    from apps.accounts.roles import Perm

    invoice = _invoice(invoice_id)
    if invoice is None:
        return []
    client = invoice.client
    return [
        Notice(_client_user_ids(client.pk), Notification.Kind.INVOICE_PAID,
               f"Invoice {invoice.number} is paid in full, thank you", _invoice_url(invoice)),
        Notice(_staff_looking_after(client.assigned_staff_id, Perm.INVOICES_EDIT)[0],
               Notification.Kind.INVOICE_PAID,
               f"{client.business_name} paid invoice {invoice.number}",
               reverse("billing:invoice_detail", args=[invoice.pk])),
    ]


def _job_assigned(job_id: int, *, user_id: int | None = None,
                  actor_id: int | None = None) -> list[Notice]:
    from apps.work.models import Job

    job = Job.objects.filter(pk=job_id).first()
    if job is None or user_id is None or user_id == actor_id or job.assignee_id != user_id \
            or _staff_role_of(user_id) is None:
        return []
    due = job.due_date
    return [Notice({user_id}, Notification.Kind.JOB_ASSIGNED,
                   f"You lead “{job.name}”, due {due:%b} {due.day}",
                   reverse("work:job_detail", args=[job.pk]))]


HANDLERS: dict[str, Callable[..., list[Notice]]] = {
    "documents_uploaded": _documents_uploaded,
    "document_processed": _document_processed,
    "invoice_sent": _invoice_sent,
    "invoice_paid": _invoice_paid,
    "job_assigned": _job_assigned,
}


# --- documents due soon (a daily sweep in every firm) ---------------------------------------

def requests_due_soon_notify(*, today: date | None = None) -> int:
    """Tell each client's portal users about request lines still open and due within
    REQUEST_DUE_SOON_DAYS: one notice per request and due date, ever (the key records it),
    so the daily run and any rerun never repeat one. Returns how many notices were new."""
    from apps.documents.models import DocumentRequestItem

    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.REQUEST_DUE_SOON_DAYS)
    due = (DocumentRequestItem.objects
           .filter(fulfilled_at__isnull=True, request__cancelled_at__isnull=True,
                   request__client__deleted_at__isnull=True,
                   due_date__gte=today, due_date__lte=horizon)
           .values_list("request_id", "request__client_id", "request__title", "due_date")
           .distinct().order_by("due_date", "request_id"))
    new = 0
    for request_id, client_id, title, due_date in due:
        notice = Notice(_client_user_ids(client_id), Notification.Kind.REQUEST_DUE,
                        f"Due {due_date:%b} {due_date.day}: {title}",
                        reverse("portal_documents:requests", args=[client_id]))
        with transaction.atomic():
            new += bool(_deliver_once(f"request_due:{request_id}:{due_date.isoformat()}",
                                      [notice]))
    return new
