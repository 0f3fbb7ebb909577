"""Calling an external service politely and safely: a shared rate limit, a circuit breaker
and retries with exponential backoff and full jitter.

State lives in Redis (the `public` alias: one external service is shared by every firm
and every worker process), so the limit holds across the whole deployment.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django_redis import get_redis_connection

T = TypeVar("T")


class ExternalServiceError(Exception):
    """The service could not give an answer; the message is shown as the failure reason."""


class TransientError(ExternalServiceError):
    """Worth another try (connection trouble, 429, 5xx)."""


class CircuitOpenError(ExternalServiceError):
    pass


@dataclass
class RateLimiter:
    """At most `per_second` calls in any wall-clock second, deployment-wide."""

    name: str
    per_second: int
    max_wait: float = 30.0

    def acquire(self) -> None:
        redis = get_redis_connection("public")
        deadline = time.monotonic() + self.max_wait
        while True:
            now = time.time()
            second = int(now)
            key = f"documents:rate:{self.name}:{second}"
            pipe = redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, 2)
            count = pipe.execute()[0]
            if count <= self.per_second:
                return
            if time.monotonic() >= deadline:
                raise TransientError(f"{self.name}: rate limit wait exceeded")
            time.sleep(second + 1 - now + random.uniform(0, 0.01))


@dataclass
class CircuitBreaker:
    """Opens after `threshold` failures in a row; while open, calls fail at once. After
    `cooldown` seconds one trial call is let through (half-open): success closes it."""

    name: str
    threshold: int = 5
    cooldown: float = 30.0

    def _keys(self) -> tuple[str, str, str]:
        base = f"documents:breaker:{self.name}"
        return f"{base}:failures", f"{base}:open_until", f"{base}:trial"

    def before_call(self) -> None:
        redis = get_redis_connection("public")
        _, open_key, trial_key = self._keys()
        open_until = redis.get(open_key)
        if open_until is None:
            return
        if time.time() < float(open_until):
            raise CircuitOpenError(f"{self.name} is unavailable (circuit open after repeated "
                                   "failures); retry later.")
        # Half-open: only one caller gets to try.
        if not redis.set(trial_key, "1", nx=True, ex=max(1, int(self.cooldown))):
            raise CircuitOpenError(f"{self.name} is unavailable (circuit half-open, a trial "
                                   "call is running); retry later.")

    def record_success(self) -> None:
        redis = get_redis_connection("public")
        redis.delete(*self._keys())

    def record_failure(self) -> None:
        redis = get_redis_connection("public")
        failures_key, open_key, trial_key = self._keys()
        failures = redis.incr(failures_key)
        redis.expire(failures_key, int(self.cooldown * 10))
        if failures >= self.threshold:
            redis.set(open_key, str(time.time() + self.cooldown),
                      ex=int(self.cooldown * 10))
            redis.delete(trial_key)

    def is_open(self) -> bool:
        value = get_redis_connection("public").get(self._keys()[1])
        return value is not None and time.time() < float(value)


@dataclass
class RetryPolicy:
    retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        # Full jitter: spreads retries of many workers instead of synchronising them.
        return random.uniform(0, min(self.max_delay, self.base_delay * (2 ** attempt)))


@dataclass
class ResilientCaller:
    limiter: RateLimiter
    breaker: CircuitBreaker
    retry: RetryPolicy

    def call(self, operation: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep
             ) -> T:
        last: ExternalServiceError | None = None
        for attempt in range(self.retry.retries + 1):
            self.breaker.before_call()
            self.limiter.acquire()
            try:
                result = operation()
            except TransientError as exc:
                self.breaker.record_failure()
                last = exc
                if attempt < self.retry.retries and not self.breaker.is_open():
                    sleep(self.retry.delay(attempt))
                    continue
                break
            except ExternalServiceError:
                # A definite answer (bad request): no retry, and not the service's fault.
                self.breaker.record_success()
                raise
            self.breaker.record_success()
            return result
        raise ExternalServiceError(f"{self.breaker.name} failed after "
                                   f"{attempt + 1} attempts: {last}")
