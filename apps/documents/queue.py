"""Putting documents on the processing queue: after commit, in chunks, by priority.

A batch of uploads travels as a few messages of up to CHUNK documents each (one task
loads, reads and saves them together), not one message per file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from apps.documents.models import Document

CHUNK = 8


def enqueue(pairs: Iterable[tuple[int, int]]) -> int:
    """Queue (document id, priority) pairs; returns the number of messages sent."""
    from apps.documents.tasks import documents_process

    by_priority: dict[int, list[int]] = defaultdict(list)
    for document_id, priority in pairs:
        by_priority[priority].append(document_id)
    sent = 0
    for priority in sorted(by_priority):
        ids = by_priority[priority]
        for start in range(0, len(ids), CHUNK):
            documents_process.apply_async(args=[ids[start:start + CHUNK]], priority=priority)
            sent += 1
    return sent


def enqueue_after_commit(documents: Iterable[Document]) -> None:
    # Never .delay() inside an open transaction: the worker could look before the commit.
    pairs = [(d.pk, d.priority) for d in documents]
    transaction.on_commit(lambda: enqueue(pairs))
