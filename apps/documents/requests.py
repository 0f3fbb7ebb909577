"""Writes on document requests: staff ask a client for a checklist of documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.documents.models import DocType, DocumentRequest, DocumentRequestItem
from apps.portal.models import Client

MAX_ITEMS = 30


@dataclass(frozen=True)
class RequestLine:
    label: str
    due_date: date
    expected_type: str = ""


@transaction.atomic
def document_request_create(*, client: Client, title: str, message: str = "",
                            lines: list[RequestLine], created_by_id: int | None
                            ) -> DocumentRequest:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title or "\x00" in title:
        errors["title"] = ["Give the request a title."]
    elif len(title) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    if "\x00" in (message or "") or len(message or "") > 5000:
        errors["message"] = ["The message must be plain text under 5,000 characters."]
    if not lines:
        errors["items"] = ["List at least one document to ask for."]
    elif len(lines) > MAX_ITEMS:
        errors["items"] = [f"Ask for at most {MAX_ITEMS} documents in one request."]
    item_errors = []
    for number, line in enumerate(lines, start=1):
        label = (line.label or "").strip()
        if not label or "\x00" in label or len(label) > 200:
            item_errors.append(f"Line {number}: describe the document (up to 200 characters).")
        if line.expected_type and line.expected_type not in DocType.values:
            item_errors.append(f"Line {number}: unknown document type.")
        if line.due_date < timezone.localdate():
            item_errors.append(f"Line {number}: the due date is in the past.")
    if item_errors:
        errors.setdefault("items", []).extend(item_errors)
    if errors:
        raise ValidationError(errors)
    request = DocumentRequest.objects.create(client=client, title=title, message=message or "",
                                             created_by_id=created_by_id)
    DocumentRequestItem.objects.bulk_create([
        DocumentRequestItem(request=request, label=line.label.strip(),
                            expected_type=line.expected_type, due_date=line.due_date)
        for line in lines])
    return request


@transaction.atomic
def document_request_cancel(*, request: DocumentRequest) -> DocumentRequest:
    if request.cancelled_at is None:
        request.cancelled_at = timezone.now()
        request.save(update_fields=["cancelled_at"])
    return request
