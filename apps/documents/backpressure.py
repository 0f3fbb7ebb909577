"""Backpressure instead of backlog: what an upload tells its sender when the firm's
documents queue is deep, and which lane its documents travel in.

A firm with more than DOCUMENTS_BACKLOG_THRESHOLD documents waiting still has every
upload accepted, but the answer says processing is delayed and by roughly how long
(the firm's waiting documents over the processing rate measured in the last minute). From
DOCUMENTS_LANE_THRESHOLD waiting (lower) its new documents go to the backlog lane (queue
`documents-backlog`). Workers take from
`documents` and `documents-backlog` in turn (kombu's Redis transport consumes its queues
round-robin), so one firm's flood holds at most LANE_THRESHOLD of its documents ahead of
another firm's in the normal lane, and the rest of the flood progresses at the other
turn: a small firm's document waits for a bounded amount of work, never the whole flood
(measured by `manage.py bench_documents_fairness`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from apps.documents.models import Document

BACKLOG_QUEUE = "documents-backlog"
RATE_BUCKET_SECONDS = 10
RATE_WINDOW_BUCKETS = 6  # the last minute


@dataclass(frozen=True)
class Backlog:
    waiting: int  # this firm's documents queued and not started yet, new ones included
    rate_per_second: float  # documents processed per second, all workers, last minute
    threshold: int

    @property
    def delayed(self) -> bool:
        return self.waiting > self.threshold

    @property
    def in_backlog_lane(self) -> bool:
        """New documents of a firm with more than DOCUMENTS_LANE_THRESHOLD waiting take the
        backlog lane (earlier than the "delayed" message, which the firm sees)."""
        return self.waiting > settings.DOCUMENTS_LANE_THRESHOLD

    @property
    def estimated_seconds(self) -> int:
        return math.ceil(self.waiting / self.rate_per_second) if self.rate_per_second else 0

    @property
    def message(self) -> str:
        if not self.delayed:
            return "Processing normally."
        return (f"Processing is delayed: {self.waiting:,} of your firm's documents are "
                f"waiting, so results should be ready in about "
                f"{_duration(self.estimated_seconds)}. Your files are safely received.")

    def as_dict(self) -> dict:
        return {"delayed": self.delayed, "waiting_documents": self.waiting,
                "estimated_delay_seconds": self.estimated_seconds if self.delayed else 0,
                "message": self.message}


def _duration(seconds: int) -> str:
    if seconds < 90:
        return "a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    hours = round(minutes / 60, 1)
    return f"{hours:g} hours"


def _rate_key(bucket: int) -> str:
    return f"documents-rate:{bucket}"


def note_processed(count: int, *, now: float | None = None) -> None:
    """Workers count what they finished, in 10-second buckets shared by all of them."""
    if count <= 0:
        return
    cache = caches["public"]
    key = _rate_key(int((time.time() if now is None else now) // RATE_BUCKET_SECONDS))
    ttl = RATE_BUCKET_SECONDS * (RATE_WINDOW_BUCKETS + 2)
    cache.add(key, 0, ttl)
    try:
        cache.incr(key, count)
    except ValueError:  # expired between add and incr: start the bucket again
        cache.set(key, count, ttl)


def processing_rate(*, now: float | None = None) -> float:
    """Documents per second over the last minute; the configured nominal rate when the
    workers finished nothing in it (idle, or just started)."""
    current = int((time.time() if now is None else now) // RATE_BUCKET_SECONDS)
    # The current bucket is still filling: the full window before it is the measure.
    buckets = [_rate_key(current - back) for back in range(1, RATE_WINDOW_BUCKETS + 1)]
    done = sum(int(v) for v in caches["public"].get_many(buckets).values())
    if done == 0:
        return float(settings.DOCUMENTS_NOMINAL_RATE_PER_SECOND)
    return done / (RATE_BUCKET_SECONDS * RATE_WINDOW_BUCKETS)


def firm_backlog() -> Backlog:
    """The current firm's documents waiting (one COUNT on the status index). Only queued
    ones: a run that went silent in `processing` is the sweep's business, not a queue."""
    waiting = Document.objects.filter(status=Document.Status.QUEUED,
                                      deleted_at__isnull=True).count()
    return Backlog(waiting=waiting, rate_per_second=processing_rate(),
                   threshold=settings.DOCUMENTS_BACKLOG_THRESHOLD)
