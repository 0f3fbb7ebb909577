"""Celery tasks of the documents queues: thin, idempotent, by id.

Each document of a chunk is processed and recorded on its own. A transient error (the
database or the broker away, e.g. a Postgres restart) makes the task retry that document
and the rest of its chunk with exponential backoff; nothing else is retried (a bad file
is `failed` at once with its reason). What still gets lost (a worker killed, a message
dropped by the broker, an upload made while the broker was down) is found by the sweep
within about a minute and a half, from signs of life kept on the rows.
"""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from advisoros.celery import app
from apps.documents import queue
from apps.documents.backpressure import note_processed
from apps.documents.models import Document
from apps.documents.pipeline import STALLED_AFTER, Retryable, document_heartbeat, document_process
from apps.portal.content_cache import DOCUMENTS
from apps.portal.dashboard import dashboard_note_client_change

# Queued with no message sent for this long: the send failed (broker down at upload).
UNSENT_AFTER = timedelta(seconds=20)
# Sent but never picked up for this long: the broker lost the message (or a long
# backlog; processing is idempotent and a live run is never taken over, so a second
# message costs one skipped claim).
LOST_AFTER = timedelta(minutes=15)
TRANSIENT_RETRIES = 8
BUSY_LOOKS = 3
SWEEP_LIMIT = 5000


def _backoff(retries: int) -> float:
    # 1, 2, 4 ... 60 s, with jitter so a fleet of workers does not come back at once.
    return min(60.0, 2.0 ** retries) * random.uniform(0.5, 1.0)


def _look_again(task, busy: list[int], waits: int) -> None:
    """Documents another run holds: a message redelivered because its worker died finds
    the dead run's claim still fresh. Look again once that claim can have stalled; a
    live run will have settled them by then (a skipped claim)."""
    if not busy or waits >= BUSY_LOOKS:
        return  # beyond that, the sweep watches them
    with contextlib.suppress(*queue.BROKER_ERRORS):  # the sweep watches them too
        task.apply_async(args=[busy], kwargs={"waits": waits + 1},
                         countdown=STALLED_AFTER.total_seconds() + 5)


def _process_chunk(task, document_ids: list[int], owned: dict[str, int] | None,
                   waits: int, *, large_lane: bool) -> dict[str, str]:
    owned = dict(owned or {})
    results: dict[str, str] = {}
    remaining = [int(document_id) for document_id in document_ids]
    try:
        while remaining:
            # A sign of life for the documents waiting behind the next one (its claim is
            # its own): none to write for a chunk of one, the usual small upload.
            document_heartbeat(remaining[1:])
            document_id = remaining[0]
            report = document_process(document_id=document_id,
                                      owned_attempt=owned.pop(str(document_id), None),
                                      large_lane=large_lane)
            results[str(document_id)] = report.status
            remaining.pop(0)
    except Retryable as exc:
        if exc.attempt is not None:
            owned[str(exc.document_id)] = exc.attempt
        close_old_connections()  # a broken connection is replaced on the next query
        # Past TRANSIENT_RETRIES the task fails with the error; the sweep takes over.
        raise task.retry(args=[remaining], kwargs={"owned": owned},
                         countdown=_backoff(task.request.retries),
                         max_retries=TRANSIENT_RETRIES, exc=exc) from exc
    _look_again(task, [int(pk) for pk, status in results.items() if status == "busy"], waits)
    with contextlib.suppress(*queue.BROKER_ERRORS):  # the rate is advice, never a failure
        note_processed(sum(1 for status in results.values()
                           if status not in ("busy", "skipped")))
    return results


# acks_late + reject_on_worker_lost (settings): a worker killed mid-task leaves the message
# to be delivered again; document_process makes the second run the only one that writes.
# No result kept: the document row is the outcome, and a kept result costs the sender a
# SUBSCRIBE/UNSUBSCRIBE pair on the result backend per upload and the worker a write.
@app.task(name="documents.process", bind=True, acks_late=True, soft_time_limit=600,
          time_limit=660, ignore_result=True)
def documents_process(self, document_ids: list[int], owned: dict[str, int] | None = None,
                      waits: int = 0) -> dict[str, str]:
    return _process_chunk(self, document_ids, owned, waits, large_lane=False)


# The low-priority lane for very large scans (queue `documents-large`, routed in
# settings.CELERY_TASK_ROUTES, a worker of its own): one document per message.
@app.task(name="documents.process_large", bind=True, acks_late=True, soft_time_limit=900,
          time_limit=960, ignore_result=True)
def documents_process_large(self, document_ids: list[int],
                            owned: dict[str, int] | None = None,
                            waits: int = 0) -> dict[str, str]:
    return _process_chunk(self, document_ids, owned, waits, large_lane=True)


def _silent(now) -> Q:
    """Claimed by a run that went silent: its worker died (or a retry could not be
    sent)."""
    return Q(status=Document.Status.PROCESSING) & (
        Q(worked_at__lt=now - STALLED_AFTER)
        | Q(worked_at__isnull=True, processing_started_at__lt=now - STALLED_AFTER)
        | Q(worked_at__isnull=True, processing_started_at__isnull=True))


def _stranded(now) -> Q:
    queued = Q(status=Document.Status.QUEUED)
    unsent = queued & Q(dispatched_at__isnull=True, queued_at__lt=now - UNSENT_AFTER)
    # Picked up in a chunk whose task then went silent (killed, or failed for good).
    dropped = queued & Q(worked_at__lt=now - STALLED_AFTER)
    lost = queued & Q(worked_at__isnull=True, queued_at__lt=now - LOST_AFTER)
    return unsent | dropped | lost | _silent(now)


def _fail_worn_out(now) -> None:
    """A document whose runs keep dying (a file that kills the worker) fails here once it
    has had DOCUMENTS_MAX_ATTEMPTS runs, instead of being sent again for ever."""
    limit = settings.DOCUMENTS_MAX_ATTEMPTS
    worn = Document.objects.alive().filter(_silent(now), attempts__gte=limit)
    clients = set(worn.values_list("client_id", flat=True))
    if not clients:
        return
    worn.update(status=Document.Status.FAILED, processed_at=now, worked_at=None,
                failure_reason=(f"Processing did not finish after {limit} attempts (the file "
                                "may be damaged or too demanding); staff can retry."))
    for client_id in clients:
        dashboard_note_client_change(client_id, kinds=(DOCUMENTS,))


@app.task(name="documents.requeue_stale")
def documents_requeue_stale() -> int:
    """Send again what is stranded, within about a minute and a half (beat runs this
    every 30 s): see _stranded. A silent run's document goes back to `queued`, so the
    dead run's late write, if any, is refused by the fence and nothing is sent twice.
    Safe: processing skips settled documents and never takes over a live run."""
    now = timezone.now()
    _fail_worn_out(now)
    with transaction.atomic():
        # skip_locked: a document being claimed right now is not touched.
        rows = list(Document.objects.alive().select_for_update(skip_locked=True)
                    .filter(_stranded(now))
                    .values_list("id", "priority", "large")[:SWEEP_LIMIT])
        if rows:
            Document.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
                status=Document.Status.QUEUED, queued_at=now, worked_at=None,
                dispatched_at=None)
    if rows:
        queue.enqueue([(pk, priority) for pk, priority, _ in rows],
                      large_ids=[pk for pk, _, large in rows if large])
    return len(rows)
