"""Celery tasks of the documents queue: thin, idempotent, by id."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from advisoros.celery import app
from apps.documents import queue
from apps.documents.models import Document
from apps.documents.pipeline import document_process

STALE_AFTER = timedelta(minutes=15)


# acks_late + reject_on_worker_lost (settings): a worker killed mid-task leaves the message
# to be delivered again; document_process makes the second run the only one that writes.
@app.task(name="documents.process", acks_late=True, soft_time_limit=600, time_limit=660)
def documents_process(document_ids: list[int]) -> dict[str, str]:
    return {str(document_id): document_process(document_id=document_id).status
            for document_id in document_ids}


@app.task(name="documents.requeue_stale")
def documents_requeue_stale() -> int:
    """Queue again what waited too long: a message lost with a broker restart, or a run
    whose worker vanished for good. Safe: processing skips settled documents."""
    cutoff = timezone.now() - STALE_AFTER
    # Queued: waiting since it was (re)queued. Processing: its run started long ago (the
    # task's hard time limit is shorter than STALE_AFTER, so that run is gone) and it was
    # not re-queued since; a document that has just started in a backlog is left alone.
    waiting = Q(status=Document.Status.QUEUED, queued_at__lt=cutoff)
    unfinished = Q(status=Document.Status.PROCESSING) & (
        Q(processing_started_at__lt=cutoff) | Q(processing_started_at__isnull=True)) & (
        Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True))
    stale = list(Document.objects.alive().filter(waiting | unfinished)
                 .values_list("id", "priority")[:5000])
    if stale:
        Document.objects.filter(pk__in=[pk for pk, _ in stale]).update(queued_at=timezone.now())
        queue.enqueue(stale)
    return len(stale)
