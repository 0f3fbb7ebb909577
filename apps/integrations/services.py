"""QuickBooks connections: connect (OAuth), disconnect, ask for a sync, the beat's fair
round over every connected company, and the catch-up for runs whose worker died."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db import connection as db
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.integrations.models import QuickBooksConnection, SyncRun
from apps.integrations.quickbooks import tokens
from apps.integrations.realms.models import QuickBooksRealm
from apps.portal.models import Client

# A run whose worker has not checkpointed for this long is taken over (its attempt number
# fences the old worker's writes).
STALE_RUN_AFTER = timedelta(minutes=3)


def _enqueue(run: SyncRun, countdown: float = 0) -> None:
    """A run not queued now (broker down) stays queued: the stale-run sweep sends it."""
    from advisoros.tasks import delay_on_commit
    from apps.integrations.tasks import quickbooks_sync_run

    delay_on_commit(quickbooks_sync_run, run_id=run.pk, countdown=countdown)


@transaction.atomic
def quickbooks_connection_save(*, client: Client, realm_id: str, token_set: tokens.TokenSet,
                               actor, request=None) -> QuickBooksConnection:
    """The OAuth callback's write: new or reconnected company, tokens stored encrypted,
    the realm registered for incoming webhooks, a full sync queued."""
    connection = QuickBooksConnection.objects.select_for_update().filter(client=client).first()
    reconnect_same_company = connection is not None and connection.realm_id == realm_id
    if connection is None:
        connection = QuickBooksConnection(client=client, realm_id=realm_id)
    elif not reconnect_same_company:
        # Another company for this client: its old books go with the old connection.
        connection.records.all().delete()
        connection.cdc_cursor = None
        connection.realm_id = realm_id
    connection.status = QuickBooksConnection.Status.CONNECTED
    connection.status_reason = ""
    connection.connected_by = actor
    connection.access_token = token_set.access_token
    connection.refresh_token = token_set.refresh_token
    connection.access_expires_at = token_set.access_expires_at
    connection.refresh_expires_at = token_set.refresh_expires_at
    connection.save()
    QuickBooksRealm.objects.update_or_create(
        firm_id=db.tenant.pk, connection_id=connection.pk, defaults={"realm_id": realm_id})
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                 target=connection, details={"change": "quickbooks.connected",
                                             "client": client.pk, "realm": realm_id})
    kind = SyncRun.Kind.INCREMENTAL if (reconnect_same_company and connection.cdc_cursor) \
        else SyncRun.Kind.FULL
    quickbooks_sync_request(connection=connection, kind=kind)
    return connection


@transaction.atomic
def quickbooks_disconnect(*, connection: QuickBooksConnection, actor, request=None) -> None:
    """Revoke at QuickBooks and forget the tokens; the synced books stay, marked as of
    their last sync."""
    tokens.tokens_revoke(connection)
    connection.access_token = ""
    connection.refresh_token = ""
    connection.access_expires_at = None
    connection.status = QuickBooksConnection.Status.DISCONNECTED
    connection.status_reason = "Disconnected by the firm."
    connection.save()
    SyncRun.objects.filter(connection=connection, status__in=SyncRun.ACTIVE).update(
        status=SyncRun.Status.FAILED, error="Disconnected.", finished_at=timezone.now())
    QuickBooksRealm.objects.filter(firm_id=db.tenant.pk, connection_id=connection.pk).delete()
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                 target=connection, details={"change": "quickbooks.disconnected",
                                             "client": connection.client_id})


def quickbooks_sync_request(*, connection: QuickBooksConnection, kind: str | None = None,
                            countdown: float = 0) -> SyncRun:
    """Queue a sync unless one is already queued or running (then that one is returned).
    A new run of a kind resumes the progress of the last failed one of that kind."""
    active = connection.runs.filter(status__in=SyncRun.ACTIVE).first()
    if active is not None:
        return active
    if kind is None:
        fresh = (connection.cdc_cursor is not None and connection.cdc_cursor
                 > timezone.now() - timedelta(days=29))
        kind = SyncRun.Kind.INCREMENTAL if fresh else SyncRun.Kind.FULL
    last = connection.runs.order_by("-created_at").first()
    progress = {}
    if last is not None and last.status == SyncRun.Status.FAILED and last.kind == kind \
            and last.created_at > timezone.now() - timedelta(days=1):
        progress = {k: v for k, v in last.progress.items() if not k.startswith("_")}
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(connection=connection, kind=kind, progress=progress,
                                         since=connection.cdc_cursor)
    except IntegrityError:  # a concurrent request queued one first
        return connection.runs.get(status__in=SyncRun.ACTIVE)
    _enqueue(run, countdown)
    return run


def quickbooks_sync_due() -> int:
    """Beat, in each firm: queue the companies whose last sync is oldest first, spread
    over the period so hundreds of companies do not start at one instant. The shared
    limiter keeps every company, and the platform, under QuickBooks' limits."""
    due_before = timezone.now() - timedelta(seconds=settings.QUICKBOOKS_SYNC_INTERVAL)
    connections = (QuickBooksConnection.objects
                   .filter(status__in=[QuickBooksConnection.Status.CONNECTED,
                                       QuickBooksConnection.Status.ERROR])
                   .exclude(runs__status__in=SyncRun.ACTIVE)
                   .filter(Q(last_synced_at__lt=due_before) | Q(last_synced_at__isnull=True))
                   .order_by(F("last_synced_at").asc(nulls_first=True))[:settings.QUICKBOOKS_SYNC_BATCH])
    queued = 0
    spread = settings.QUICKBOOKS_SYNC_INTERVAL / 2
    candidates = list(connections)
    for index, connection in enumerate(candidates):
        quickbooks_sync_request(connection=connection,
                                countdown=spread * index / max(len(candidates), 1))
        queued += 1
    return queued


def quickbooks_resume_stale() -> int:
    """Runs whose worker died (no checkpoint for a while) or whose message was lost are
    queued again; the attempt number fences the old worker if it was only slow."""
    from advisoros.tasks import delay_or_log
    from apps.integrations.tasks import quickbooks_sync_run

    cutoff = timezone.now() - STALE_RUN_AFTER
    stale = list(SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=cutoff)
                 .values_list("pk", flat=True))
    # Queued runs may wait up to half the beat period by design (the spread).
    queued_cutoff = cutoff - timedelta(seconds=settings.QUICKBOOKS_SYNC_INTERVAL / 2)
    stale += list(SyncRun.objects.filter(status=SyncRun.Status.QUEUED,
                                         created_at__lt=queued_cutoff,
                                         started_at__isnull=True).values_list("pk", flat=True))
    for run_id in stale:  # one not sent now (broker down) is found again next time
        delay_or_log(quickbooks_sync_run, run_id=run_id)
    return len(stale)
