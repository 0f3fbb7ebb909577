"""Requests to QuickBooks Online: every one through the shared limiter, retried with
backoff and jitter on throttling, 5xx and network errors, and guarded by a circuit breaker
per company so a failing company stops costing worker time.

Libraries, not home-made loops: httpx (timeouts, one pooled client shared by the fetch
threads), tenacity (retry policy), pybreaker (breaker state in Redis, shared by workers).
"""

from __future__ import annotations

import json
import random
from datetime import datetime

import httpx
import pybreaker
from django.conf import settings
from django_redis import get_redis_connection
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from apps.integrations.http import http_client
from apps.integrations.quickbooks.limiter import (
    RateLimitTimeout,
    quickbooks_back_off,
    quickbooks_slot,
)


class QuickBooksError(Exception):
    """A request failed for good; `reason` is what the connection page shows."""

    reason = "QuickBooks could not be reached"


class TransientError(QuickBooksError):
    reason = "QuickBooks is failing or slow; the sync will try again"

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class AccessTokenRejected(QuickBooksError):
    reason = "QuickBooks refused the access token"


class CompanyUnavailable(QuickBooksError):
    reason = ("QuickBooks refused access to this company: it may have been deleted or "
              "our access removed. Reconnect it to sync again.")


class BadRequest(QuickBooksError):
    reason = "QuickBooks rejected a request"


class MalformedResponse(TransientError):
    reason = "QuickBooks sent an answer we could not read"


class CircuitOpen(QuickBooksError):
    reason = "QuickBooks has failed repeatedly for this company; syncing is paused briefly"


_breakers: dict[str, pybreaker.CircuitBreaker] = {}


def _breaker(realm_id: str) -> pybreaker.CircuitBreaker:
    if realm_id not in _breakers:
        storage = pybreaker.CircuitRedisStorage(
            pybreaker.STATE_CLOSED, get_redis_connection("public"),
            namespace=f"qbo:breaker:{realm_id}")
        # Only failures that outlived the retries count; a 401 or 403 is not an outage.
        _breakers[realm_id] = pybreaker.CircuitBreaker(
            fail_max=settings.QUICKBOOKS_BREAKER_FAILURES,
            reset_timeout=settings.QUICKBOOKS_BREAKER_RESET_SECONDS, state_storage=storage,
            exclude=[AccessTokenRejected, CompanyUnavailable, BadRequest, RateLimitTimeout])
    return _breakers[realm_id]


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    backoff = wait_random_exponential(multiplier=0.5, max=30)(state)
    if isinstance(error, TransientError) and error.retry_after:
        return max(backoff, error.retry_after + random.uniform(0, 1))
    return backoff


class QuickBooksApi:
    """One company's accounting API, for a given access token."""

    def __init__(self, *, realm_id: str, access_token: str):
        self.realm_id = realm_id
        self.access_token = access_token
        self.requests_used = 0

    def query(self, entity: str, *, start: int, max_results: int = 1000,
              since: datetime | None = None) -> list[dict]:
        # QuickBooks' query language, not SQL; every part is ours (an entity name from
        # entities.ENTITIES, integers, a datetime we formatted).
        where = f" where MetaData.LastUpdatedTime >= '{since.isoformat()}'" if since else ""
        text = (f"select * from {entity}{where} STARTPOSITION {int(start)} "  # noqa: S608
                f"MAXRESULTS {int(max_results)}")
        body = self._get("query", {"query": text})
        rows = body.get("QueryResponse", {}).get(entity, [])
        if not isinstance(rows, list):
            raise MalformedResponse(f"{entity} page is not a list")
        return rows

    def cdc(self, entities: list[str], since: datetime) -> dict[str, list[dict]]:
        body = self._get("cdc", {"entities": ",".join(entities),
                                 "changedSince": since.isoformat()})
        found: dict[str, list[dict]] = {entity: [] for entity in entities}
        try:
            for response in body["CDCResponse"]:
                for part in response.get("QueryResponse", []):
                    for entity in entities:
                        found[entity].extend(part.get(entity, []))
        except (KeyError, TypeError, AttributeError) as error:
            raise MalformedResponse(f"change data capture answer: {error}") from error
        return found

    def _get(self, kind: str, params: dict) -> dict:
        try:
            return _breaker(self.realm_id).call(self._get_with_retries, kind, params)
        except pybreaker.CircuitBreakerError as error:
            raise CircuitOpen(str(error)) from error

    @retry(retry=retry_if_exception_type(TransientError), wait=_wait,
           stop=stop_after_attempt(6), reraise=True)
    def _get_with_retries(self, kind: str, params: dict) -> dict:
        url = f"{settings.QUICKBOOKS_API_BASE}/v3/company/{self.realm_id}/{kind}"
        headers = {"Authorization": f"Bearer {self.access_token}",
                   "Accept": "application/json"}
        with quickbooks_slot(self.realm_id, max_wait=settings.QUICKBOOKS_SLOT_WAIT_SECONDS):
            self.requests_used += 1
            try:
                response = http_client().get(url, params={**params, "minorversion": "75"},
                                             headers=headers,
                                             timeout=settings.QUICKBOOKS_REQUEST_TIMEOUT)
            except httpx.HTTPError as error:
                raise TransientError(f"{type(error).__name__}: {error}") from error
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> dict:
        status = response.status_code
        if status == 429:
            retry_after = _seconds(response.headers.get("Retry-After")) or 5.0
            quickbooks_back_off(self.realm_id, retry_after)
            raise TransientError("throttled by QuickBooks (429)", retry_after=retry_after)
        if status >= 500:
            raise TransientError(f"QuickBooks answered {status}")
        if status == 401:
            raise AccessTokenRejected("401 from QuickBooks")
        if status == 403:
            raise CompanyUnavailable("403 from QuickBooks")
        if status >= 400:
            raise BadRequest(f"{status}: {response.text[:200]}")
        try:
            body = response.json()
        except json.JSONDecodeError as error:
            raise MalformedResponse(f"unreadable JSON: {error}") from error
        if not isinstance(body, dict):
            raise MalformedResponse("answer is not an object")
        return body


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
