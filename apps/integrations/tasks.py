"""Integration tasks: thin, take ids, safe to run twice (runs are fenced by attempt
number, deliveries by a lease, webhook syncs by the one-active-run rule)."""

from __future__ import annotations

from advisoros.celery import app


@app.task(name="integrations.quickbooks_sync_run", acks_late=True)
def quickbooks_sync_run(run_id: int) -> str | None:
    from apps.integrations.quickbooks.sync import sync_execute

    run = sync_execute(run_id=run_id)
    return run.status if run is not None else None


@app.task(name="integrations.quickbooks_sync_due")
def quickbooks_sync_due() -> int:
    from apps.integrations.services import quickbooks_sync_due as due

    return due()


@app.task(name="integrations.quickbooks_resume_stale")
def quickbooks_resume_stale() -> int:
    from apps.integrations.services import quickbooks_resume_stale as resume

    return resume()


@app.task(name="integrations.quickbooks_webhook_sync")
def quickbooks_webhook_sync(connection_id: int) -> None:
    from apps.integrations.models import QuickBooksConnection
    from apps.integrations.services import quickbooks_sync_request

    connection = QuickBooksConnection.objects.filter(
        pk=connection_id, status=QuickBooksConnection.Status.CONNECTED).first()
    if connection is not None:
        quickbooks_sync_request(connection=connection)


@app.task(name="integrations.webhook_deliver")
def webhook_deliver(delivery_id: int) -> str | None:
    from apps.integrations.webhooks import webhook_deliver as deliver

    return deliver(delivery_id=delivery_id)


@app.task(name="integrations.webhooks_due")
def webhooks_due() -> int:
    """Beat, per firm: retries that are due, and processed documents to announce."""
    from apps.integrations.events_scan import document_events_scan
    from apps.integrations.webhooks import webhook_retry_due

    return document_events_scan() + webhook_retry_due()


@app.task(name="integrations.webhook_disabled_notify")
def webhook_disabled_notify(endpoint_id: int) -> int:
    from apps.integrations.notify import webhook_disabled_notify as notify

    return notify(endpoint_id=endpoint_id)
