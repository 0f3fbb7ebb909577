"""Processed documents, announced from their state (see signals.py for why)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.documents.models import Document
from apps.integrations.models import WebhookEndpoint
from apps.integrations.webhooks import webhook_event_emit

_CURSOR_KEY = "integrations:document-events:cursor"
# Look back a little past the cursor: a document committed late with an earlier
# processed_at is still found; the dedupe key makes the overlap free.
_OVERLAP = timedelta(minutes=2)
_BATCH = 2000


def document_events_scan() -> int:
    """Emit document.processed for documents settled since the last scan."""
    if not WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE).exists():
        cache.set(_CURSOR_KEY, timezone.now().isoformat(), None)
        return 0
    now = timezone.now()
    stored = cache.get(_CURSOR_KEY)
    since = datetime.fromisoformat(stored) if stored else now - timedelta(hours=1)
    documents = list(Document.objects.filter(processed_at__gte=since - _OVERLAP,
                                         status__in=Document.SETTLED_STATUSES,
                                         deleted_at__isnull=True)
                 .order_by("processed_at")
                 .values("pk", "client_id", "file_name", "status", "doc_type", "confidence",
                         "tax_year", "category", "processed_at")[:_BATCH])
    emitted = 0
    with transaction.atomic():
        for doc in documents:
            webhook_event_emit(
                type="document.processed", resource_type="document", resource_id=doc["pk"],
                dedupe_key=f"document.processed:{doc['pk']}:{doc['processed_at'].isoformat()}",
                data={"id": doc["pk"], "client_id": doc["client_id"],
                      "file_name": doc["file_name"], "status": doc["status"],
                      "document_type": doc["doc_type"], "confidence": doc["confidence"],
                      "tax_year": doc["tax_year"], "category": doc["category"]})
            emitted += 1
    last = documents[-1]["processed_at"] if emitted == _BATCH else now
    cache.set(_CURSOR_KEY, last.isoformat(), None)
    return emitted
