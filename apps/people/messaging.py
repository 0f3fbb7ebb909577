"""Secure messages between a firm and its clients: threads, replies, reads, assignment.

Attachments become the client's documents through apps.documents' upload service (so
they are checked, stored and processed like any upload). Email notices carry no message
text and are batched per thread and side: after one notice, further messages inside
MESSAGE_EMAIL_QUIET_MINUTES send in-app notifications only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.accounts.roles import Perm, permissions_for_role
from apps.documents.models import Document
from apps.documents.services import documents_upload
from apps.people import audit
from apps.people.models import Message, Notification, Thread, ThreadRead
from apps.people.notifications import notify
from apps.portal.models import Client, ClientAccess

MAX_BODY = 20_000


def messaging_staff_ids(firm_id: int) -> set[int]:
    """Active staff who answer client messages (holders of messages.use)."""
    rows = Membership.objects.filter(firm_id=firm_id, is_active=True, user__is_active=True)
    return {uid for uid, role in rows.values_list("user_id", "role")
            if Perm.MESSAGES_USE in permissions_for_role(role)}


def _client_user_ids(client_id: int) -> set[int]:
    return set(ClientAccess.objects.filter(client_id=client_id).values_list("user_id",
                                                                            flat=True))


def _body_clean(body: str, has_files: bool) -> str:
    body = (body or "").strip()
    if "\x00" in body:
        raise ValidationError({"body": "The message contains characters that cannot be stored."})
    if not body and not has_files:
        raise ValidationError({"body": "Write a message or attach a file."})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": f"Keep a message under {MAX_BODY:,} characters."})
    return body


def _recipients(thread: Thread, *, from_firm: bool, author_id: int) -> set[int]:
    if from_firm:
        ids = _client_user_ids(thread.client_id)
    else:
        staff = messaging_staff_ids(connection.tenant.pk)
        assignee = thread.assigned_to_id or thread.client.assigned_staff_id
        ids = {assignee} & staff if assignee in staff else staff
    return ids - {author_id}


def _notice(thread: Thread, message: Message) -> None:
    """In-app for every recipient; email only for the first message of a quiet window."""
    recipients = _recipients(thread, from_firm=message.from_firm, author_id=message.author_id)
    if not recipients:
        return
    field = "client_emailed_at" if message.from_firm else "staff_emailed_at"
    last = getattr(thread, field)
    quiet = timedelta(minutes=settings.MESSAGE_EMAIL_QUIET_MINUTES)
    send_email = last is None or message.created_at - last >= quiet
    if send_email:
        setattr(thread, field, message.created_at)
        thread.save(update_fields=[field])
    if message.from_firm:
        title = f"New message from {connection.tenant.name}"
        url = reverse("portal_people:thread", args=[thread.client_id, thread.pk])
    else:
        title = f"New message from {thread.client.business_name}"
        url = reverse("people:thread", args=[thread.pk])
    notify(user_ids=recipients, kind=Notification.Kind.MESSAGE, title=title, url=url,
           send_email=send_email)


@transaction.atomic
def message_post(*, thread: Thread, author: User, from_firm: bool, body: str,
                 files: Sequence[UploadedFile] = ()) -> Message:
    """Add a message; its files become the client's documents (all or nothing)."""
    thread = Thread.objects.select_for_update(of=("self",)).select_related("client").get(
        pk=thread.pk)
    body = _body_clean(body, bool(files))
    documents: list[Document] = []
    if files:
        try:
            documents = documents_upload(client=thread.client, files=list(files),
                                         category=Document.Category.OTHER,
                                         uploaded_by_id=author.pk).documents
        except ValidationError as exc:
            raise ValidationError({"files": exc.message_dict.get("files", exc.messages)}
                                  ) from exc
    message = Message.objects.create(thread=thread, author=author, from_firm=from_firm,
                                     body=body)
    if documents:
        message.documents.set(documents)
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_message_at"])
    ThreadRead.objects.update_or_create(thread=thread, user_id=author.pk,
                                        defaults={"read_at": message.created_at})
    _notice(thread, message)
    return message


@transaction.atomic
def thread_start(*, client: Client, subject: str, body: str, author: User, from_firm: bool,
                 files: Sequence[UploadedFile] = (), job_id: int | None = None) -> Thread:
    subject = (subject or "").strip()
    if not subject or "\x00" in subject or len(subject) > 200:
        raise ValidationError({"subject": "Give the conversation a subject (up to 200 "
                                          "characters)."})
    _body_clean(body, bool(files))
    thread = Thread.objects.create(client=client, subject=subject, job_id=job_id,
                                   created_by=author, last_message_at=timezone.now(),
                                   assigned_to=author if from_firm else None)
    message_post(thread=thread, author=author, from_firm=from_firm, body=body, files=files)
    return thread


@transaction.atomic
def thread_mark_read(*, thread: Thread, user: User) -> None:
    ThreadRead.objects.update_or_create(thread=thread, user_id=user.pk,
                                        defaults={"read_at": timezone.now()})


@transaction.atomic
def thread_assign(*, thread: Thread, assignee_id: int | None, by: User, request=None
                  ) -> Thread:
    if assignee_id is not None and assignee_id not in messaging_staff_ids(connection.tenant.pk):
        raise ValidationError({"assignee": "Choose someone who answers client messages."})
    thread.assigned_to_id = assignee_id
    thread.save(update_fields=["assigned_to"])
    audit.people_audit(audit.THREAD_ASSIGNED, request=request, actor=by, target=thread,
                       details={"assignee_id": assignee_id})
    if assignee_id is not None and assignee_id != by.pk:
        notify(user_ids=[assignee_id], kind=Notification.Kind.THREAD_ASSIGNED,
               title=f"A conversation with {thread.client.business_name} is yours",
               url=reverse("people:thread", args=[thread.pk]), send_email=False)
    return thread
