"""Writes on documents (first shape: upload and soft delete)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.documents.models import Document
from apps.portal.dashboard import dashboard_note_client_change
from apps.portal.models import Client

MAX_UPLOAD_BYTES = 25 * 1024 * 1024


@transaction.atomic
def document_upload(*, client: Client, file: UploadedFile, category: str,
                    uploaded_by_id: int | None) -> Document:
    name = (file.name or "").rsplit("/", 1)[-1].strip()
    errors: dict[str, str] = {}
    if not name or "\x00" in name:
        errors["file"] = "The file needs a plain name."
    elif len(name) > 255:
        errors["file"] = "The file name is longer than 255 characters."
    if file.size is None or file.size <= 0:
        errors["file"] = "The file is empty."
    elif file.size > MAX_UPLOAD_BYTES:
        errors["file"] = "Files up to 25 MB can be uploaded."
    if category not in Document.Category.values:
        errors["category"] = f"'{category}' is not a document category."
    if errors:
        raise ValidationError(errors)
    document = Document(client=client, file_name=name, category=category,
                        size_bytes=file.size, uploaded_by_id=uploaded_by_id)
    document.file.save(name, file, save=False)
    document.save()
    dashboard_note_client_change(client.pk)
    return document


@transaction.atomic
def document_delete(*, document: Document) -> Document:
    """Soft delete: the row stays for the audit trail; lists and figures skip it."""
    if document.deleted_at is None:
        document.deleted_at = timezone.now()
        document.save(update_fields=["deleted_at"])
        dashboard_note_client_change(document.client_id)
    return document
