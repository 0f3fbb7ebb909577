"""Celery beat as a singleton: the scheduler sends only while it holds a Redis lock.

Run two or more beats (a rolling deploy, a second replica for availability): the one that
holds the lock schedules; the others tick without sending and take over within
`BEAT_LOCK_SECONDS` of the holder's death, because the lock expires unless renewed. The
holder renews it on every tick, and beat ticks at least every `beat_max_loop_interval`
(set below the lock's lifetime in settings), so a live holder never loses it.

A beat that loses the lock (a long pause, Redis failover) stops sending at its next tick;
each entry's `expires` keeps a doubled run harmless in the rare overlap.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

LOCK_KEY = "celery:beat:lock"

# Renew only if still ours; take it if free. Returns 1 when this beat holds the lock.
_ACQUIRE_OR_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("public")


class BeatLock:
    def __init__(self, *, seconds: float | None = None, identity: str | None = None) -> None:
        self.seconds = seconds or settings.BEAT_LOCK_SECONDS
        self.identity = identity or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False

    def acquire_or_renew(self) -> bool:
        try:
            held = bool(_redis().eval(_ACQUIRE_OR_RENEW, 1, LOCK_KEY, self.identity,
                                      int(self.seconds * 1000)))
        except Exception:  # Redis unreachable: do not send; another beat may hold the lock
            logger.warning("beat lock unavailable; not scheduling", exc_info=True)
            held = False
        if held != self.held:
            logger.warning("beat %s %s the schedule lock", self.identity,
                           "holds" if held else "does not hold")
        self.held = held
        return held

    def release(self) -> None:
        try:
            _redis().eval(_RELEASE, 1, LOCK_KEY, self.identity)
        except Exception:  # it expires by itself
            logger.warning("could not release the beat lock", exc_info=True)
        self.held = False


class LockedScheduler(PersistentScheduler):
    """Celery's persistent scheduler that only sends while holding the beat lock."""

    def __init__(self, *args, **kwargs) -> None:
        self.lock = BeatLock()
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if not self.lock.acquire_or_renew():
            # Standby: check again well before a holder's lock could expire unnoticed.
            return min(self.max_interval, self.lock.seconds / 3)
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        self.lock.release()
        super().close()
