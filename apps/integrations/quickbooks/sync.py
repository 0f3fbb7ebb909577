"""The sync engine: a full pass over the query API, then Change Data Capture since a
cursor; checkpointed, fenced, resumable.

- A run is claimed by incrementing its attempt number; every checkpoint is written by an
  UPDATE that names that attempt, in the same transaction as the page's records, so a
  worker that lost its claim (it stalled and another took over) writes nothing.
- Entities go level by level (entities.LEVELS); inside a level, one thread per entity pages
  through QuickBooks while the main thread stores pages as they come. Threads only talk
  HTTP; all database work stays on the task's own connection and schema.
- Records are upserted by (realm, entity, id), and a row is replaced only by a version with
  a SyncToken at least as high, so a late, older page never overwrites a newer record.
- A full pass marks the records it did not see as deleted (QuickBooks' query API does not
  return deleted entities; CDC does, for 30 days).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import connection as db
from django.db import transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from apps.integrations.models import QuickBooksConnection, SyncedRecord, SyncRun
from apps.integrations.quickbooks import tokens
from apps.integrations.quickbooks.client import (
    AccessTokenRejected,
    BadRequest,
    CompanyUnavailable,
    QuickBooksApi,
    QuickBooksError,
)
from apps.integrations.quickbooks.entities import LEVELS, MalformedRecord, RecordRow, record_row
from apps.integrations.quickbooks.limiter import RateLimitTimeout

PAGE_SIZE = 1000
CDC_MAX_AGE = timedelta(days=30)
# Our clock and QuickBooks' differ a little; re-reading a few minutes is free (upserts are
# idempotent), missing a change is not.
CURSOR_OVERLAP = timedelta(minutes=5)
MAX_WARNINGS = 50
_TOKEN_RETRIES = 2


class StaleAttempt(Exception):
    """Another worker holds the run now."""


class CursorTooOld(Exception):
    pass


# --- claim, checkpoint, finish -----------------------------------------------------------
def _claim(run_id: int) -> tuple[SyncRun, int] | None:
    with transaction.atomic():
        run = (SyncRun.objects.select_for_update().select_related("connection")
               .filter(pk=run_id).first())
        if run is None or run.status not in SyncRun.ACTIVE:
            return None
        run.attempt += 1
        run.status = SyncRun.Status.RUNNING
        now = timezone.now()
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        if run.server_time is None:
            run.server_time = now - CURSOR_OVERLAP
        run.save(update_fields=["attempt", "status", "started_at", "heartbeat_at",
                                "server_time"])
    return run, run.attempt


def _checkpoint(run: SyncRun, attempt: int) -> None:
    updated = SyncRun.objects.filter(pk=run.pk, attempt=attempt).update(
        progress=run.progress, records_written=run.records_written,
        requests_used=run.requests_used, warnings=run.warnings[:MAX_WARNINGS],
        heartbeat_at=timezone.now(), kind=run.kind)
    if not updated:
        raise StaleAttempt(run.pk)


def _warn(run: SyncRun, message: str) -> None:
    run.progress.setdefault("_skipped", 0)
    run.progress["_skipped"] += 1
    if len(run.warnings) < MAX_WARNINGS:
        run.warnings.append(message[:300])


_UPSERT = """
INSERT INTO integrations_syncedrecord AS s (connection_id, realm_id, entity, qbo_id,
    sync_token, last_updated, deleted, name, txn_date, due_date, total, balance, currency,
    account_type, data, seen_run_id)
VALUES (%s, %s, %s, %s, %s, %s, false, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (realm_id, entity, qbo_id) DO UPDATE SET
    sync_token = EXCLUDED.sync_token, last_updated = EXCLUDED.last_updated, deleted = false,
    name = EXCLUDED.name, txn_date = EXCLUDED.txn_date, due_date = EXCLUDED.due_date,
    total = EXCLUDED.total, balance = EXCLUDED.balance, currency = EXCLUDED.currency,
    account_type = EXCLUDED.account_type, data = EXCLUDED.data,
    connection_id = EXCLUDED.connection_id,
    seen_run_id = COALESCE(EXCLUDED.seen_run_id, s.seen_run_id)
WHERE (NOT s.deleted AND s.sync_token <= EXCLUDED.sync_token)
   OR (s.deleted AND s.last_updated IS NOT NULL AND EXCLUDED.last_updated > s.last_updated)
"""
_TOMBSTONE = """
INSERT INTO integrations_syncedrecord AS s (connection_id, realm_id, entity, qbo_id,
    sync_token, last_updated, deleted, name, currency, account_type, data)
VALUES (%s, %s, %s, %s, 0, %s, true, '', '', '', '{}'::jsonb)
ON CONFLICT (realm_id, entity, qbo_id) DO UPDATE SET deleted = true,
    last_updated = EXCLUDED.last_updated
WHERE s.last_updated IS NULL OR EXCLUDED.last_updated IS NULL
   OR s.last_updated <= EXCLUDED.last_updated
"""


def _store(run: SyncRun, attempt: int, entity: str, raw_rows: list, *,
           full_pass: bool) -> None:
    """One page: its records and the run's checkpoint, in one transaction."""
    conn = run.connection
    upserts, tombstones = [], []
    for raw in raw_rows:
        try:
            row: RecordRow = record_row(entity, raw)
        except MalformedRecord as error:
            _warn(run, f"{entity}: skipped a record QuickBooks sent malformed ({error}).")
            continue
        if row.deleted:
            tombstones.append((conn.pk, conn.realm_id, entity, row.qbo_id, row.last_updated))
            continue
        if row.currency and row.currency != conn.home_currency:
            run.progress.setdefault("_other_currency", 0)
            run.progress["_other_currency"] += 1
        upserts.append((conn.pk, conn.realm_id, entity, row.qbo_id, row.sync_token,
                        row.last_updated, row.name, row.txn_date, row.due_date, row.total,
                        row.balance, row.currency, row.account_type, Jsonb(row.data),
                        run.pk if full_pass else None))
    run.records_written += len(upserts) + len(tombstones)
    with transaction.atomic():
        _checkpoint(run, attempt)  # first: takes the run's row lock, fences stale workers
        with db.cursor() as cursor:
            if upserts:
                cursor.executemany(_UPSERT, upserts)
            if tombstones:
                cursor.executemany(_TOMBSTONE, tombstones)


def _mark_unseen_deleted(run: SyncRun, attempt: int, entity: str) -> None:
    with transaction.atomic():
        _checkpoint(run, attempt)
        SyncedRecord.objects.filter(connection=run.connection, entity=entity,
                                    deleted=False).exclude(seen_run_id=run.pk).update(
            deleted=True)


# --- fetching ------------------------------------------------------------------------------
def _full_level(run: SyncRun, attempt: int, api: QuickBooksApi, entities: list[str]) -> None:
    """Page every entity of a level in parallel; store pages here, in this thread."""
    pages: queue.Queue = queue.Queue(maxsize=2 * len(entities))
    stop = threading.Event()
    starts = {e: int(run.progress.get(e, {}).get("position", 1)) for e in entities}

    def hand_over(item: tuple) -> None:
        # Never block for ever on a full queue once the main thread has given up.
        while not stop.is_set():
            try:
                pages.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def fetch(entity: str) -> None:
        position = starts[entity]
        try:
            while not stop.is_set():
                rows = api.query(entity, start=position, max_results=PAGE_SIZE)
                hand_over(("page", entity, position, rows))
                if len(rows) < PAGE_SIZE:
                    break
                position += len(rows)
            hand_over(("done", entity, position, None))
        except BaseException as error:
            hand_over(("error", entity, position, error))

    remaining = set(entities)
    with ThreadPoolExecutor(max_workers=len(entities)) as pool:
        for entity in entities:
            pool.submit(fetch, entity)
        try:
            while remaining:
                kind, entity, position, payload = pages.get()
                if kind == "error":
                    raise payload
                state = run.progress.setdefault(entity, {"position": 1, "records": 0})
                if kind == "page":
                    state["position"] = position + len(payload)
                    state["records"] = state.get("records", 0) + len(payload)
                    run.requests_used = api.requests_used
                    _store(run, attempt, entity, payload, full_pass=True)
                else:
                    remaining.discard(entity)
                    _mark_unseen_deleted(run, attempt, entity)
                    state["done"] = True
                    _checkpoint(run, attempt)
        finally:
            stop.set()


def _full(run: SyncRun, attempt: int, api: QuickBooksApi) -> None:
    for level in LEVELS:
        pending = [e for e in level if not run.progress.get(e, {}).get("done")]
        if pending:
            _with_token_refresh(run, api, lambda p=pending: _full_level(run, attempt, api, p))


def _incremental(run: SyncRun, attempt: int, api: QuickBooksApi) -> None:
    since = run.since
    if since is None or since < timezone.now() - CDC_MAX_AGE + timedelta(hours=1):
        raise CursorTooOld
    for level in LEVELS:
        pending = [e for e in level if not run.progress.get(e, {}).get("done")]
        if not pending:
            continue
        try:
            changes = _with_token_refresh(run, api, lambda p=pending: api.cdc(p, since))
        except BadRequest as error:
            if "30 days" in str(error):
                raise CursorTooOld from error
            raise
        run.requests_used = api.requests_used
        for entity in pending:
            rows = changes.get(entity, [])
            if len(rows) >= PAGE_SIZE:
                # CDC stops at 1,000 objects: read this entity whole instead.
                run.progress[entity] = {"position": 1, "records": 0, "cdc_overflow": True}
                _with_token_refresh(run, api,
                                    lambda e=entity: _full_level(run, attempt, api, [e]))
                continue
            run.progress[entity] = {"done": True, "records": len(rows)}
            _store(run, attempt, entity, rows, full_pass=False)


def _with_token_refresh(run: SyncRun, api: QuickBooksApi, work):
    for tries in range(_TOKEN_RETRIES + 1):
        try:
            return work()
        except AccessTokenRejected:
            if tries == _TOKEN_RETRIES:
                raise
            api.access_token = tokens.access_token_get(
                connection_id=run.connection_id, force_refresh=True,
                rejected_token=api.access_token)
    return None


# --- the run ------------------------------------------------------------------------------
def sync_execute(*, run_id: int) -> SyncRun | None:
    """Run (or resume) a sync; every outcome ends in a status with a reason."""
    claimed = _claim(run_id)
    if claimed is None:
        return None
    run, attempt = claimed
    api = None
    try:
        api = QuickBooksApi(realm_id=run.connection.realm_id,
                            access_token=tokens.access_token_get(connection_id=run.connection_id))
        if run.kind == SyncRun.Kind.INCREMENTAL:
            try:
                _incremental(run, attempt, api)
            except CursorTooOld:
                run.kind = SyncRun.Kind.FULL
                run.progress = {}
                _checkpoint(run, attempt)
                _full(run, attempt, api)
        else:
            _full(run, attempt, api)
    except StaleAttempt:
        return None
    except tokens.NeedsReconnect:
        return _fail(run, attempt, api, tokens.NeedsReconnect.reason,
                     QuickBooksConnection.Status.NEEDS_RECONNECT)
    except CompanyUnavailable as error:
        return _fail(run, attempt, api, error.reason, QuickBooksConnection.Status.ERROR)
    except (QuickBooksError, tokens.OAuthError, RateLimitTimeout) as error:
        reason = getattr(error, "reason", None) or str(error)
        return _fail(run, attempt, api, f"{reason} ({error})"[:300],
                     QuickBooksConnection.Status.ERROR)
    return _finish(run, attempt, api)


def _finish(run: SyncRun, attempt: int, api: QuickBooksApi) -> SyncRun:
    other = run.progress.get("_other_currency", 0)
    if other:
        _warn(run, f"{other} records are in a currency other than the company's "
                   f"{run.connection.home_currency}; the Books summaries leave them out.")
    run.requests_used = api.requests_used
    run.status = (SyncRun.Status.COMPLETED_WITH_WARNINGS if run.warnings
                  else SyncRun.Status.COMPLETED)
    with transaction.atomic():
        _checkpoint(run, attempt)
        SyncRun.objects.filter(pk=run.pk).update(status=run.status,
                                                 finished_at=timezone.now())
        QuickBooksConnection.objects.filter(pk=run.connection_id).update(
            cdc_cursor=run.server_time, last_synced_at=timezone.now(),
            status=QuickBooksConnection.Status.CONNECTED, status_reason="",
            updated_at=timezone.now())
    return run


def _fail(run: SyncRun, attempt: int, api: QuickBooksApi | None, reason: str,
          connection_status: str) -> SyncRun:
    run.status = SyncRun.Status.FAILED
    run.error = reason[:500]
    if api is not None:
        run.requests_used = api.requests_used
    with transaction.atomic():
        if not SyncRun.objects.filter(pk=run.pk, attempt=attempt).update(
                status=run.status, error=run.error, finished_at=timezone.now(),
                progress=run.progress, requests_used=run.requests_used,
                warnings=run.warnings[:MAX_WARNINGS]):
            return run
        QuickBooksConnection.objects.filter(pk=run.connection_id).exclude(
            status=QuickBooksConnection.Status.DISCONNECTED).update(
            status=connection_status, status_reason=reason[:300], updated_at=timezone.now())
    return run
