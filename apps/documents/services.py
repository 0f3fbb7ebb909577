"""Writes on documents: upload (one or many files), delete, retry, review."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.changes import audit_changed, audit_created, audit_deleted, record_values
from apps.documents import queue
from apps.documents.backpressure import Backlog, firm_backlog
from apps.documents.models import DocType, Document, DocumentBatch, DocumentRequestItem
from apps.documents.priority import upload_priority
from apps.documents.sniffing import (
    ACCEPTED_LABEL,
    ContentRefused,
    Sniffed,
    content_label,
    extension_matches,
    kind_for_extension,
    sanitize_file_name,
    sniff,
)
from apps.documents.storage import document_discard, document_store
from apps.people.events import announce
from apps.portal.content_cache import DOCUMENTS
from apps.portal.dashboard import dashboard_note_client_change
from apps.portal.models import Client


@dataclass(frozen=True)
class Duplicate:
    """A file whose content this client had already sent (earlier, or as another file of
    this same upload): answered with that document, not stored a second time."""

    document: Document
    uploaded_as: str
    in_this_upload: bool

    @property
    def message(self) -> str:
        if self.in_this_upload:
            return (f"{self.uploaded_as} has the same content as {self.document.file_name} "
                    "in this upload; it is kept once.")
        return f"{self.uploaded_as} was already sent as {self.document.file_name}; the " \
               "earlier copy is kept."


@dataclass
class UploadResult:
    batch: DocumentBatch | None
    created: list[Document] = field(default_factory=list)
    # The firm's documents queue as this upload left it (None when nothing was queued).
    backlog: Backlog | None = None
    # One entry per file not stored because its content is already there: every file
    # sent is in `created` or here, exactly once.
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def documents(self) -> list[Document]:
        """The document behind each file sent, in order, without repeats."""
        seen: dict[int, Document] = {}
        for document in [*self.created, *(d.document for d in self.duplicates)]:
            seen.setdefault(document.pk, document)
        return list(seen.values())


@dataclass
class _Checked:
    upload: UploadedFile
    name: str
    sniffed: Sniffed
    sha256: str
    size: int


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _check_file(upload: UploadedFile) -> tuple[_Checked | None, str | None]:
    raw = upload.name or ""
    if "\x00" in raw:
        return None, "A file name contains a NUL character."
    name = sanitize_file_name(raw)
    shown = name or "The file"
    limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
    if not name:
        return None, "Every file needs a name."
    if not upload.size:
        return None, f"{shown} is empty."
    if upload.size > limit:
        return None, f"{shown} is larger than the {_mb(limit)} limit per file."
    try:
        sniffed = sniff(upload)
    except ContentRefused as exc:
        upload.seek(0)
        return None, f"{shown} {exc}"
    if sniffed is None:
        actual = content_label(upload)
        claimed = kind_for_extension(name)
        if actual is not None and claimed is not None:
            return None, (f"{shown} is named like {Sniffed(claimed).label} but its content "
                          f"is {actual}, not a file type we accept ({ACCEPTED_LABEL}).")
        if actual is not None:
            return None, (f"{shown} is {actual}, not a file type we accept "
                          f"({ACCEPTED_LABEL}).")
        return None, (f"{shown} is not a file type we accept ({ACCEPTED_LABEL}); its "
                      "content was checked, not its name.")
    if not extension_matches(name, sniffed.kind):
        claimed = kind_for_extension(name)
        if claimed is not None:
            return None, (f"{shown} is named like {Sniffed(claimed).label} but its content "
                          f"is {sniffed.label}.")
        # No known extension: keep the content's own.
        name = f"{name}{'.' + sniffed.kind if sniffed.kind != 'jpeg' else '.jpg'}"
    return _Checked(upload=upload, name=name, sniffed=sniffed, sha256=_sha256_of(upload),
                    size=upload.size), None


def _sha256_of(upload: UploadedFile) -> str:
    """The digest the upload handler computed while the bytes arrived
    (apps/documents/upload_handlers.py), or one pass over the file when it has none."""
    known = getattr(upload, "sha256", None)
    if known:
        return known
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _validate(*, client: Client, files: Sequence[UploadedFile], category: str,
              request_item: DocumentRequestItem | None) -> list[_Checked]:
    errors: dict[str, list[str]] = {}
    if category not in Document.Category.values:
        errors["category"] = [f"'{str(category)[:40]}' is not a document category."]
    if not files:
        errors["files"] = ["Choose at least one file."]
    elif len(files) > settings.DOCUMENTS_MAX_FILES_PER_UPLOAD:
        errors["files"] = [f"Up to {settings.DOCUMENTS_MAX_FILES_PER_UPLOAD} files can be "
                           "uploaded at once."]
    elif sum(upload.size or 0 for upload in files) > settings.DOCUMENTS_MAX_UPLOAD_TOTAL_BYTES:
        errors["files"] = [f"These files come to more than the "
                           f"{_mb(settings.DOCUMENTS_MAX_UPLOAD_TOTAL_BYTES)} allowed in one "
                           "upload; send them in several."]
    if request_item is not None and (request_item.request.client_id != client.pk
                                     or request_item.request.cancelled_at is not None):
        errors["request_item"] = ["That request is not open for this client."]
    checked: list[_Checked] = []
    file_errors: list[str] = []
    if "files" not in errors:
        for upload in files:
            ok, problem = _check_file(upload)
            if problem:
                file_errors.append(problem)
            else:
                checked.append(ok)
    if file_errors:
        errors["files"] = [*file_errors, "Nothing was uploaded: fix or remove these files."]
    if errors:
        raise ValidationError(errors)
    return checked


def documents_upload(*, client: Client, files: Sequence[UploadedFile], category: str,
                     uploaded_by_id: int | None,
                     request_item: DocumentRequestItem | None = None,
                     uploaded_by=None) -> UploadResult:
    """Check every file by its content, store the new ones, queue them for processing.

    All or nothing: one bad file rejects the upload with a message per file, so a client
    never wonders which half arrived. Content this client already sent is recognised by
    its SHA-256 and answered with the earlier document. `uploaded_by`: the uploader's
    User when the caller has it (a signed-in request), so the audit does not read it again.
    """
    checked = _validate(client=client, files=files, category=category,
                        request_item=request_item)
    stored: list[str] = []
    try:
        with transaction.atomic():
            result = _create_documents(client=client, checked=checked, category=category,
                                       uploaded_by_id=uploaded_by_id,
                                       request_item=request_item, stored=stored,
                                       uploaded_by=uploaded_by)
    except Exception:
        # The rows are gone with the transaction; so must be the bytes written for them.
        for name in stored:
            document_discard(name)
        raise
    return result


def _create_documents(*, client: Client, checked: list[_Checked], category: str,
                      uploaded_by_id: int | None, request_item: DocumentRequestItem | None,
                      stored: list[str], uploaded_by=None) -> UploadResult:
    existing = {d.sha256: d for d in Document.objects.alive().filter(
        client=client, sha256__in=[c.sha256 for c in checked])}
    new = [c for c in checked if c.sha256 not in existing]
    batch = (DocumentBatch.objects.create(client=client, uploaded_by_id=uploaded_by_id)
             if new else None)
    result = UploadResult(batch=batch)
    now = timezone.now()
    due = request_item.due_date if request_item is not None else None
    created_here: set[str] = set()
    for item in checked:
        if item.sha256 in existing:
            result.duplicates.append(Duplicate(document=existing[item.sha256],
                                               uploaded_as=item.name,
                                               in_this_upload=item.sha256 in created_here))
            continue
        name = document_store(client_id=client.pk, kind=item.sniffed.kind, content=item.upload)
        stored.append(name)
        document = Document(
            client=client, file_name=item.name, file=name, category=category,
            size_bytes=item.size, uploaded_by_id=uploaded_by_id, sha256=item.sha256,
            content_type=item.sniffed.kind, batch=batch, status=Document.Status.QUEUED,
            queued_at=now, priority=upload_priority(category=category, file_name=item.name,
                                                    today=now.date(), due_date=due))
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            # The same content arrived in a concurrent upload a moment ago: answer with
            # that document, and remove the bytes just written for this one.
            document_discard(name)
            stored.remove(name)
            earlier = Document.objects.alive().get(client=client, sha256=item.sha256)
            existing[item.sha256] = earlier
            result.duplicates.append(Duplicate(document=earlier, uploaded_as=item.name,
                                               in_this_upload=False))
            continue
        existing[item.sha256] = document
        created_here.add(item.sha256)
        result.created.append(document)
    if request_item is not None and result.documents and request_item.fulfilled_at is None:
        request_item.document = result.documents[0]
        request_item.fulfilled_at = now
        request_item.save(update_fields=["document", "fulfilled_at"])
    if result.created:
        _audit_uploaded(result.created, uploaded_by_id=uploaded_by_id, uploaded_by=uploaded_by)
        dashboard_note_client_change(client.pk, kinds=(DOCUMENTS,))
        result.backlog = firm_backlog()
        queue.enqueue_after_commit(result.created, backlog=result.backlog.in_backlog_lane)
        announce("documents_uploaded", batch.pk)  # notifications, after commit
    return result


DOCUMENT_AUDITED = ("client", "file_name", "category", "size_bytes")


def _audit_uploaded(documents: list[Document], *, uploaded_by_id: int | None,
                    uploaded_by=None) -> None:
    """One event per new document, by the person who uploaded it."""
    from apps.accounts.models import User

    if uploaded_by is not None and uploaded_by.pk == uploaded_by_id:
        actor = uploaded_by
    else:
        actor = User.objects.filter(pk=uploaded_by_id).first() if uploaded_by_id else None
    for document in documents:
        audit_created(instance=document, fields=DOCUMENT_AUDITED, actor=actor)


def document_upload(*, client: Client, file: UploadedFile, category: str,
                    uploaded_by_id: int | None) -> Document:
    """One file (the portal's first upload form): the new document, or the earlier one
    holding the same content."""
    try:
        result = documents_upload(client=client, files=[file], category=category,
                                  uploaded_by_id=uploaded_by_id)
    except ValidationError as exc:
        errors = exc.message_dict
        if "files" in errors:
            errors["file"] = errors.pop("files")[:1]
        raise ValidationError(errors) from exc
    return result.documents[0]


@transaction.atomic
def document_delete(*, document: Document, request: HttpRequest | None = None) -> Document:
    """Soft delete: the row and the file stay for the audit trail; lists and figures skip
    it."""
    if document.deleted_at is None:
        document.deleted_at = timezone.now()
        document.save(update_fields=["deleted_at"])
        audit_deleted(instance=document, fields=DOCUMENT_AUDITED, request=request)
        dashboard_note_client_change(document.client_id, kinds=(DOCUMENTS,))
    return document


@transaction.atomic
def document_retry(*, document: Document) -> Document:
    """Staff send a failed document through the pipeline again."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.deleted_at is not None:
        raise ValidationError({"document": "This document was deleted."})
    if locked.status != Document.Status.FAILED:
        raise ValidationError({"status": "Only a failed document can be retried."})
    locked.status = Document.Status.QUEUED
    locked.failure_reason = ""
    locked.queued_at = timezone.now()
    locked.dispatched_at = None
    locked.worked_at = None
    locked.save(update_fields=["status", "failure_reason", "queued_at", "dispatched_at",
                               "worked_at"])
    queue.enqueue_after_commit([locked])
    return locked


REVIEW_DECISIONS = {"approve": Document.Status.APPROVED, "reject": Document.Status.REJECTED}


@transaction.atomic
def document_review(*, document: Document, decision: str, doc_type: str = "",
                    tax_year: int | None = None,
                    request: HttpRequest | None = None) -> Document:
    """A person settles a document: approve (optionally correcting what it is) or reject."""
    errors: dict[str, str] = {}
    if decision not in REVIEW_DECISIONS:
        errors["decision"] = "Choose approve or reject."
    if doc_type and doc_type not in DocType.values:
        errors["doc_type"] = f"'{str(doc_type)[:40]}' is not a document type."
    if tax_year is not None and not 1990 <= tax_year <= 2100:
        errors["tax_year"] = "Enter a year between 1990 and 2100."
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.status in Document.PENDING_STATUSES:
        errors["status"] = "The document is still being processed."
    if locked.status == Document.Status.SPLIT:
        errors["status"] = ("This file was split into one document per form; review "
                            "those documents.")
    if errors:
        raise ValidationError(errors)
    before = record_values(locked, ("status", "doc_type", "tax_year"))
    locked.status = REVIEW_DECISIONS[decision]
    update = ["status"]
    if doc_type:
        locked.doc_type = doc_type
        update.append("doc_type")
    if tax_year is not None:
        locked.tax_year = tax_year
        update.append("tax_year")
    locked.save(update_fields=update)
    audit_changed(instance=locked, before=before, request=request)
    dashboard_note_client_change(locked.client_id, kinds=(DOCUMENTS,))
    return locked
