"""Putting documents on the processing queue: after commit, in chunks, by priority, in
two lanes.

A batch of uploads travels as a few messages of up to CHUNK documents each (one task
loads, reads and saves them together), not one message per file. Very large scans travel
alone in the low-priority lane (queue `documents-large`, its own worker) so they never
hold up normal work.

Publishing never loses an accepted upload: a message that cannot reach the broker (an
outage) is logged and the document stays `queued` with no `dispatched_at`; the sweep
(tasks.documents_requeue_stale, every 30 s) sends it once the broker is back. The
connection used here gives up after a couple of seconds instead of Celery's default
retries, so an upload during an outage still answers quickly.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from apps.documents.models import Document

log = logging.getLogger(__name__)

CHUNK = 8
LARGE_QUEUE = "documents-large"
# Errors of a broker that is down or unreachable: the message is not sent, nothing else.
BROKER_ERRORS = (KombuError, RedisError, OSError, ConnectionError, TimeoutError)
_local = threading.local()


def _connection():
    """One broker connection per thread, with short timeouts and no retries."""
    from advisoros.celery import app

    connection = getattr(_local, "connection", None)
    if connection is None:
        seconds = settings.DOCUMENTS_PUBLISH_TIMEOUT_SECONDS
        connection = app.connection_for_write(
            connect_timeout=seconds,
            transport_options={"socket_connect_timeout": seconds, "socket_timeout": seconds,
                               "max_retries": 0})
        _local.connection = connection
    return connection


def _forget_connection() -> None:
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        with contextlib.suppress(*BROKER_ERRORS):
            connection.release()


def is_large(document: Document) -> bool:
    return document.large or (document.content_type in _SCAN_KINDS
                              and document.size_bytes >= settings.DOCUMENTS_LARGE_SCAN_BYTES)


_SCAN_KINDS = frozenset({"pdf", "png", "jpeg", "tiff", "heic"})


def _publish(ids: list[int], priority: int, *, large: bool, backlog: bool = False) -> bool:
    from apps.documents.backpressure import BACKLOG_QUEUE
    from apps.documents.tasks import documents_process, documents_process_large

    task = documents_process_large if large else documents_process
    # A firm over its backlog threshold: its new documents wait in their own lane.
    lane = {"queue": BACKLOG_QUEUE} if backlog and not large else {}
    # A kept connection may have gone stale (the broker restarted): one more try on a
    # fresh one. A fresh one that fails means the broker is down: no waiting for it.
    for fresh in (getattr(_local, "connection", None) is None, True):
        try:
            task.apply_async(args=[ids], priority=priority, connection=_connection(),
                             retry=False, **lane)
            break
        except BROKER_ERRORS as exc:
            _forget_connection()
            if fresh:
                log.warning("documents %s: not queued, broker unreachable (%s); the sweep "
                            "will send them when it is back", ids, exc.__class__.__name__)
                return False
    Document.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())
    return True


def enqueue(pairs: Iterable[tuple[int, int]], *, large_ids: Iterable[int] = (),
            backlog: bool = False) -> int:
    """Queue (document id, priority) pairs; documents in `large_ids` go to the large lane
    one per message, the others to the backlog lane when `backlog` (the firm is over its
    threshold, apps/documents/backpressure.py). Returns the number of messages sent;
    never raises for a broker that is down (the documents stay queued for the sweep)."""
    large = set(large_ids)
    by_priority: dict[int, list[int]] = defaultdict(list)
    sent = 0
    for document_id, priority in pairs:
        if document_id in large:
            if not _publish([document_id], priority, large=True):
                return sent
            sent += 1
        else:
            by_priority[priority].append(document_id)
    lane = {"backlog": True} if backlog else {}
    for priority in sorted(by_priority):
        ids = by_priority[priority]
        for start in range(0, len(ids), CHUNK):
            if not _publish(ids[start:start + CHUNK], priority, large=False, **lane):
                return sent  # the broker is down: the rest would fail the same way
            sent += 1
    return sent


def enqueue_documents(documents: Iterable[Document], *, backlog: bool = False) -> int:
    documents = list(documents)
    return enqueue([(d.pk, d.priority) for d in documents],
                   large_ids=[d.pk for d in documents if is_large(d)], backlog=backlog)


def enqueue_after_commit(documents: Iterable[Document], *, backlog: bool = False) -> None:
    # Never .delay() inside an open transaction: the worker could look before the commit.
    # robust: whatever happens while sending, the commit stands and the request answers.
    documents = list(documents)
    transaction.on_commit(lambda: enqueue_documents(documents, backlog=backlog), robust=True)
